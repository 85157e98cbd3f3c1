// Where a container's root filesystem lives in its directory: the init layer,
// the writable layer, overlayfs's work directory and the mount point.
import path from 'node:path';

export interface RootfsPaths {
  dir: string;
  /** Docker's init layer: mount points stowage fills, kept out of the writable layer. */
  init: string;
  upper: string;
  work: string;
  merged: string;
}

export function rootfsPaths(containerDir: string): RootfsPaths {
  return {
    dir: containerDir,
    init: path.join(containerDir, 'init'),
    upper: path.join(containerDir, 'diff'),
    work: path.join(containerDir, 'work'),
    merged: path.join(containerDir, 'merged'),
  };
}
