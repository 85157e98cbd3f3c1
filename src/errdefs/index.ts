// Error kinds, as containerd's errdefs: callers branch on `kind`, never on text.
// Messages use Docker's wording and name the object.

export type ErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'conflict'
  | 'failed-precondition'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'not-implemented'
  | 'internal';

export class StowageError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  /** Printed as it is, without "Error: " (messages the docker CLI itself prints so). */
  readonly bare: boolean;
  constructor(kind: ErrorKind, message: string, opts: { cause?: unknown; hint?: string; bare?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.hint = opts.hint;
    this.bare = opts.bare ?? false;
  }
}

/** A command the container was asked to run does not exist (exit 127). */
export class CommandNotFoundError extends StowageError {
  constructor(message: string) {
    super('failed-precondition', message);
  }
}

/** A command exists but cannot be executed (exit 126). */
export class CommandNotInvocableError extends StowageError {
  constructor(message: string) {
    super('failed-precondition', message);
  }
}

/**
 * Bad flags (exit 125) or a wrong number of arguments (exit 1): the CLI adds
 * the usage line, as the docker CLI does.
 */
export class UsageError extends StowageError {
  readonly command: string;
  readonly argCount: boolean;
  /** The docker CLI ends "requires at least" errors with "See ...", the others with "Run ...". */
  readonly see: boolean;
  constructor(command: string, message: string, opts: { argCount?: boolean; see?: boolean } = {}) {
    super('invalid-argument', message);
    this.command = command;
    this.argCount = opts.argCount ?? false;
    this.see = opts.see ?? false;
  }
}

/** The command ran and asks for this exit status (a container's own code, say). */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

export const notFound = (msg: string, cause?: unknown) => new StowageError('not-found', msg, { cause });
export const invalidArgument = (msg: string, cause?: unknown) => new StowageError('invalid-argument', msg, { cause });
/** An error the docker CLI finds itself (not its engine): printed as it is, without "Error:". */
export const cliError = (msg: string, kind: ErrorKind = 'invalid-argument') =>
  new StowageError(kind, msg, { bare: true });
export const conflict = (msg: string) => new StowageError('conflict', msg);
export const alreadyExists = (msg: string) => new StowageError('already-exists', msg);
export const failedPrecondition = (msg: string, cause?: unknown) =>
  new StowageError('failed-precondition', msg, { cause });
export const unavailable = (msg: string) => new StowageError('unavailable', msg);
export const internal = (msg: string, cause?: unknown) => new StowageError('internal', msg, { cause });

export const isKind = (err: unknown, kind: ErrorKind): boolean => err instanceof StowageError && err.kind === kind;
export const isNotFound = (err: unknown) => isKind(err, 'not-found');

/** errno code of a Node system error, if any. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}
