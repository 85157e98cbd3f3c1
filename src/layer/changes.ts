// `docker diff`: what a container's writable (overlayfs upper) layer changed
// relative to the layers below: A added, C changed, D deleted (whiteouts).
// The upper layer is walked by descriptor (src/fd): the container may be
// running and swapping its directories for symlinks meanwhile.
import fs from 'node:fs';
import path from 'node:path';
import { O_PATH, openChild, readdirFd, using } from '../fd/at';
import { native } from '../native';
import { OVERLAY_OPAQUE_XATTR } from './apply';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export function overlayChanges(
  upper: string,
  lowers: string[],
  exclude: (rel: string) => boolean = () => false,
): Change[] {
  const out: Change[] = [];
  if (!fs.existsSync(upper)) return out; // a container never started has no writable layer yet
  const inLower = (rel: string) =>
    lowers.some((l) => fs.lstatSync(path.join(l, rel), { throwIfNoEntry: false }) !== undefined);
  const walk = (dirFd: number, rel: string, hiddenBelow: boolean) => {
    for (const name of readdirFd(dirFd).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude(r)) continue;
      const fd = openChild(dirFd, name);
      if (fd === undefined) continue; // gone meanwhile
      using(fd, () => {
        const st = fs.fstatSync(fd);
        if (st.isCharacterDevice() && st.rdev === 0) {
          out.push({ kind: 'D', path: `/${r}` });
          return;
        }
        const existed = !hiddenBelow && inLower(r);
        out.push({ kind: existed ? 'C' : 'A', path: `/${r}` });
        if (st.isDirectory()) {
          const opaque = native.fgetxattr(fd, OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
          walk(fd, r, hiddenBelow || opaque);
        }
      });
    }
  };
  using(fs.openSync(upper, O_PATH | fs.constants.O_DIRECTORY), (fd) => walk(fd, '', false));
  return out;
}
