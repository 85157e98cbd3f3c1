// `docker diff`: what a container's writable (overlayfs upper) layer changed
// relative to the layers below: A added, C changed, D deleted (whiteouts).
import fs from 'node:fs';
import path from 'node:path';
import { native } from '../native';
import { OVERLAY_OPAQUE_XATTR } from './apply';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export function overlayChanges(upper: string, lowers: string[], exclude: (rel: string) => boolean = () => false): Change[] {
  const out: Change[] = [];
  if (!fs.existsSync(upper)) return out; // a container never started has no writable layer yet
  const inLower = (rel: string) => lowers.some((l) => fs.lstatSync(path.join(l, rel), { throwIfNoEntry: false }) !== undefined);
  const walk = (rel: string, hiddenBelow: boolean) => {
    for (const name of fs.readdirSync(path.join(upper, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude(r)) continue;
      const abs = path.join(upper, r);
      const st = fs.lstatSync(abs);
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: `/${r}` });
        continue;
      }
      const existed = !hiddenBelow && inLower(r);
      out.push({ kind: existed ? 'C' : 'A', path: `/${r}` });
      if (st.isDirectory()) {
        const opaque = native.lgetxattr(abs, OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
        walk(r, hiddenBelow || opaque);
      }
    }
  };
  walk('', false);
  return out;
}
