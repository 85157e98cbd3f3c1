// Where a store lives unless told otherwise (apart from store.ts, so that
// reading them does not load the store's code).
export const DEFAULT_ROOT = '/var/lib/stowage';
export const DEFAULT_RUNROOT = '/run/stowage';
