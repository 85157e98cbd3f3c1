// A container's root filesystem: the image's layer directories as overlayfs
// lower dirs under one writable upper dir, mounted in the host's namespace so it
// outlives the command that started the container.
import fs from 'node:fs';
import type { Digest } from '../digest';
import { errnoCode } from '../errdefs';
import type { LayerStore } from '../layer/store';
import { MNT_DETACH, native } from '../native';
import { makeInitLayer } from './init-layer';
import { isRootless } from '../rootless/identity';
import { mountUserOverlay } from '../rootless/overlay';
import { fuseMapping, readKeepId } from '../rootless/keep-id';
import type { RootfsPaths } from './rootfs-paths';

// (a module of their own: reading a container's state does not load the mounting code)
export { rootfsPaths, type RootfsPaths } from './rootfs-paths';

/** Mount points as /proc/self/mountinfo escapes them (space, tab, newline, backslash in octal). */
function escapeMountPath(p: string): string {
  return p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter(Boolean);
}

export function isMounted(target: string): boolean {
  return mountPoints().includes(escapeMountPath(target));
}

/** Whether anything is mounted below `dir`. */
export function hasMountsUnder(dir: string): boolean {
  const prefix = `${escapeMountPath(dir)}/`;
  return mountPoints().some((x) => x.startsWith(prefix));
}

/** Detaches every mount below `dir` (what a killed process left in its temporary directory). */
export function unmountUnder(dir: string): void {
  const prefix = `${escapeMountPath(dir)}/`;
  for (const m of mountPoints()
    .filter((x) => x.startsWith(prefix))
    .reverse()) {
    try {
      native.umount2(
        m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
        MNT_DETACH,
      );
    } catch {
      /* gone meanwhile */
    }
  }
}

/**
 * Creates the upper and work dirs (once) and mounts the overlay if it is not mounted.
 * `init: false` leaves Docker's init layer out (a build step's overlay: what it writes
 * there, /etc/hosts included, is image content).
 */
export function mountRootfs(
  layers: LayerStore,
  top: Digest | null,
  p: RootfsPaths,
  opts: { init?: boolean } = {},
): void {
  for (const d of [p.upper, p.work, p.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  if (isMounted(p.merged)) return;
  const withInit = opts.init !== false;
  if (withInit) makeInitLayer(p.init);
  const stack = layers.stack(top);
  const lowerDirs = [...(withInit ? [p.init] : []), ...stack.map((l) => layers.shortLink(l.chainId)).reverse()];
  // overlayfs wants a lower dir: a scratch image with no layer gets an empty one
  if (!lowerDirs.length) {
    fs.mkdirSync(p.init, { recursive: true, mode: 0o755 });
    lowerDirs.push(p.init);
  }
  const lower = lowerDirs.join(':');
  // Short relative links keep the option under a page even with 125 layers, as
  // Docker's overlay2 does; they resolve against the layers directory.
  const options = `lowerdir=${lower},upperdir=${p.upper},workdir=${p.work}`;
  if (isRootless()) {
    // keep-id: the container's own user namespace sees the image's owners through fuse-overlayfs's mapping
    const keep = readKeepId(p.dir);
    const mapped = keep
      ? `,uidmapping=${fuseMapping(keep.uidMappings)},gidmapping=${fuseMapping(keep.gidMappings)}`
      : '';
    mountUserOverlay(options + mapped, p.merged, layers.root, process.env, !!keep);
    return;
  }
  const cwd = process.cwd();
  process.chdir(layers.root);
  try {
    native.mount('overlay', p.merged, 'overlay', 0, options);
  } finally {
    process.chdir(cwd);
  }
}

export function unmountRootfs(p: RootfsPaths): void {
  for (let i = 0; i < 10 && isMounted(p.merged); i++) {
    try {
      native.umount2(p.merged, i < 5 ? 0 : MNT_DETACH);
    } catch (e) {
      if (errnoCode(e) !== 'EBUSY' && errnoCode(e) !== 'EINVAL') throw e;
    }
  }
}
