// What the bundle of the everyday read commands (dist/stowage-everyday.js) leaves
// out, and how a command that reaches it anyway is handed to the full CLI.
//
// esbuild follows every require(), the lazy ones too, so without a boundary the
// everyday bundle held the code that creates, starts, networks and keeps
// containers and unpacks layers: half its bytes, read and compiled by every
// `ps` (issue 17). bin/bundle.js puts, in place of each module named here, one
// that throws FullCliNeeded when evaluated. The read commands reach these only on
// rare paths (an exit nobody recorded, `inspect` of a network, `ps --size`): the
// command then starts again in the full bundle, as long as it has written nothing.
// test/integration/everyday-modules.test.ts keeps the usual paths clear of them.

/** Modules (paths under dist/src/) left out of the everyday bundle. */
export const EVERYDAY_EXCLUDED: readonly RegExp[] = [
  // the runtime, but for the two readers of conmon's files
  /^runtime\/(?!conmon-files\.js$|logs\.js$)/,
  // networks, but for the port formats, their types and where namespaces are
  /^network\/(?!ports\.js$|types\.js$|netns-paths\.js$)/,
  // the container service and what creates, starts, networks and keeps containers
  /^engine\/(containers|container-(create|network|spec|parts|mounts)|keeper|start-context|exec-process)\.js$/,
  /^container\/(rootfs|rootfs-holders|init-layer|links)\.js$/,
  /^(layer\/(apply|rebuild|tar-split)|tar\/.*|rootless\/(network|slirp|cgroups|spec|overlay))\.js$/,
];

let reached: string | undefined;

/** Thrown where the everyday bundle reaches a module it left out (see above). */
export class FullCliNeeded extends Error {
  constructor(readonly module: string) {
    super(`${module} is not in the everyday bundle`);
    reached ??= module;
  }
}

/** The first left-out module this process reached, even when a catch swallowed its FullCliNeeded. */
export function fullCliNeeded(): string | undefined {
  return reached;
}
