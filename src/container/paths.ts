// Container paths resolved on the host side, as the container would see them:
// symlinks are followed relative to the container's root (never the host's),
// and volume and bind mount points lead into their sources. Every component of
// the result has been checked not to be a symlink (the container is paused
// while it is used, so nothing can swap one in: CVE-2018-15664).
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound } from '../errdefs';

export interface MountView {
  /** Container path of the mount point (normalized, absolute). */
  dest: string;
  /** Host path it shows. */
  source: string;
}

const MAX_LINKS = 40;

/** Host path of container path `p`; with `followFinal`, a final symlink is followed too. */
export function resolveContainerPath(rootfs: string, mounts: MountView[], p: string, followFinal: boolean): string {
  if (!p.startsWith('/')) p = `/${p}`;
  const hostOf = (cpath: string): string => {
    const m = mounts.filter((x) => cpath === x.dest || cpath.startsWith(`${x.dest}/`)).sort((a, b) => b.dest.length - a.dest.length)[0];
    return m ? path.join(m.source, cpath.slice(m.dest.length)) : path.join(rootfs, cpath);
  };
  let resolved: string[] = [];
  let pending = p.split('/');
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const cpath = `/${[...resolved, part].join('/')}`;
    const host = hostOf(cpath);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    const isLast = pending.every((x) => x === '' || x === '.');
    if (st?.isSymbolicLink() && (!isLast || followFinal)) {
      if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links: ${p}`);
      const target = fs.readlinkSync(host);
      pending = [...target.split('/'), ...pending];
      if (target.startsWith('/')) resolved = [];
      continue;
    }
    if (!isLast && st && !st.isDirectory()) throw notFound(`${cpath}: not a directory`);
    resolved.push(part);
  }
  return hostOf(`/${resolved.join('/')}`);
}
