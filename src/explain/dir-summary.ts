// The largest directories of what a container sees, a few levels deep, for
// the page's treemap and the JSON: small ones fold into one "other" entry.
import type { Dir, Inode } from './overlay';
import type { DirSummary } from './types';

export interface SummaryLimits {
  depth: number;
  /** Children kept per directory at most. */
  children: number;
  /** Children smaller than this share of the whole image fold into "other". */
  minShare: number;
}

export const DEFAULT_LIMITS: SummaryLimits = { depth: 3, children: 12, minShare: 0.005 };

interface Sized {
  size: number;
  /** Bytes per layer index. */
  byLayer: Map<number, number>;
}

/** Sizes of every directory of the view (each inode counted once, under the first name met). */
function measure(root: Dir): Map<Dir, Sized> {
  const out = new Map<Dir, Sized>();
  const seen = new Set<Inode>();
  const walk = (d: Dir): Sized => {
    const s: Sized = { size: 0, byLayer: new Map() };
    for (const c of d.children.values()) {
      if (c.kind === 'dir') {
        const sub = walk(c);
        s.size += sub.size;
        for (const [l, n] of sub.byLayer) s.byLayer.set(l, (s.byLayer.get(l) ?? 0) + n);
      } else if (c.kind === 'leaf' && !seen.has(c.inode)) {
        seen.add(c.inode);
        s.size += c.inode.size;
        s.byLayer.set(c.inode.layer, (s.byLayer.get(c.inode.layer) ?? 0) + c.inode.size);
      }
    }
    out.set(d, s);
    return s;
  };
  walk(root);
  return out;
}

function dominant(byLayer: Map<number, number>): number {
  let best = 0;
  let bytes = -1;
  for (const [l, n] of byLayer) {
    if (n > bytes || (n === bytes && l > best)) {
      best = l;
      bytes = n;
    }
  }
  return best + 1;
}

export function summarize(root: Dir, limits: SummaryLimits = DEFAULT_LIMITS): DirSummary {
  const sizes = measure(root);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- measure() sized every directory under root
  const total = sizes.get(root)!.size;
  const build = (d: Dir, name: string, path: string, depth: number): DirSummary => {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- measure() sized every directory under root
    const s = sizes.get(d)!;
    const out: DirSummary = { name, path, size: s.size, layer: dominant(s.byLayer), children: [] };
    if (depth >= limits.depth) return out;
    const kids: Array<{ name: string; size: number; dir?: Dir; layer: number }> = [];
    for (const [n, c] of d.children) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- measure() sized every directory under root
      if (c.kind === 'dir') kids.push({ name: n, size: sizes.get(c)!.size, dir: c, layer: 0 });
      else if (c.kind === 'leaf' && c.inode.size > 0)
        kids.push({ name: n, size: c.inode.size, layer: c.inode.layer + 1 });
    }
    kids.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
    let other = 0;
    let otherCount = 0;
    for (const k of kids) {
      const childPath = path === '/' ? `/${k.name}` : `${path}/${k.name}`;
      if (out.children.length < limits.children && k.size > 0 && k.size >= total * limits.minShare) {
        out.children.push(
          k.dir
            ? build(k.dir, k.name, childPath, depth + 1)
            : { name: k.name, path: childPath, size: k.size, layer: k.layer, children: [] },
        );
      } else {
        other += k.size;
        otherCount++;
      }
    }
    if (other > 0)
      out.children.push({
        name: `${otherCount} more`,
        path: `${path === '/' ? '' : path}/…`,
        size: other,
        layer: out.layer,
        children: [],
      });
    return out;
  };
  return build(root, '/', '/', 0);
}
