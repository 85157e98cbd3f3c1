// dive's efficiency score (wagoodman/dive filetree/efficiency.go), computed
// the way dive computes it so the two numbers can be compared: each layer is a
// tree of its tar entries; every leaf of it is one copy of its path, sized by
// its tar header (0 for directories, symlinks and hard links), a whiteout sized
// by the directory it deletes in the layers below (0 when it deletes a file).
//   score  = Σ over paths of the smallest copy / Σ over paths of all copies
//   wasted = Σ of all copies of every path found in two or more layers
// As in dive, opaque-directory markers are ignored and a directory whiteout is
// sized by the lower layers stacked as dive stacks them (a later entry replaces
// a node's size and type but keeps its children). Unlike dive, a whiteout of a
// path no lower layer has counts 0 instead of ending that layer's walk.
import type { LayerEntry } from './types';

const WHITEOUT = '.wh.';
const WHITEOUT_META = '.wh..wh.';

interface DNode {
  size: number;
  isDir: boolean;
  children: Map<string, DNode>;
}

const node = (size = 0, isDir = false): DNode => ({ size, isDir, children: new Map() });

/** dive's FileTree.AddPath: intermediate nodes come with an empty payload; the last one takes the entry's. */
function addPath(root: DNode, parts: string[], size: number, isDir: boolean): void {
  let n = root;
  for (const part of parts) {
    let c = n.children.get(part);
    if (!c) {
      if (part.startsWith(WHITEOUT_META)) return; // dive never adds opaque markers
      c = node();
      n.children.set(part, c);
    }
    n = c;
  }
  n.size = size;
  n.isDir = isDir;
}

function layerTree(entries: LayerEntry[]): DNode {
  const root = node();
  for (const e of entries) addPath(root, e.path.split('/'), e.size, e.type === 'directory');
  return root;
}

function visitLeaves(n: DNode, dir: string, fn: (leaf: DNode, name: string, dir: string) => void): void {
  for (const [name, c] of n.children) {
    if (c.children.size > 0) visitLeaves(c, dir === '' ? name : `${dir}/${name}`, fn);
    else fn(c, name, dir);
  }
}

function get(root: DNode, path: string): DNode | undefined {
  let n: DNode | undefined = root;
  for (const p of path.split('/')) n = n?.children.get(p);
  return n;
}

function subtreeSize(n: DNode): number {
  let s = n.size;
  for (const c of n.children.values()) s += subtreeSize(c);
  return s;
}

/**
 * dive's FileTree.Stack: every node of the upper tree, children first in name
 * order, is removed from the lower one (a whiteout) or added to it (its size and
 * type replace the node's, its children stay). Walked side by side here.
 */
function stack(lower: DNode, upper: DNode): void {
  for (const [name, c] of [...upper.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith(WHITEOUT)) {
      lower.children.delete(name.slice(WHITEOUT.length));
      continue;
    }
    let l = lower.children.get(name);
    if (!l) lower.children.set(name, (l = node()));
    stack(l, c);
    l.size = c.size;
    l.isDir = c.isDir;
  }
}

export interface Efficiency {
  score: number;
  wastedBytes: number;
}

export function diveEfficiency(layers: LayerEntry[][]): Efficiency {
  const paths = new Map<string, { cumulative: number; min: number; copies: number }>();
  const below = node();
  for (const entries of layers) {
    const tree = layerTree(entries);
    visitLeaves(tree, '', (leaf, name, dir) => {
      const whiteout = name.startsWith(WHITEOUT);
      if (whiteout) name = name.slice(WHITEOUT.length); // it stands for the path it deletes
      const key = dir === '' ? name : `${dir}/${name}`;
      let size = leaf.size;
      if (whiteout) {
        const deleted = get(below, key);
        size = deleted?.isDir ? subtreeSize(deleted) : 0;
      }
      const d = paths.get(key);
      if (d) {
        d.cumulative += size;
        d.min = Math.min(d.min, size);
        d.copies++;
      } else paths.set(key, { cumulative: size, min: size, copies: 1 });
    });
    stack(below, tree);
  }
  let min = 0;
  let all = 0;
  let wasted = 0;
  for (const d of paths.values()) {
    min += d.min;
    all += d.cumulative;
    if (d.copies > 1) wasted += d.cumulative;
  }
  return { score: all === 0 ? 1 : min / all, wastedBytes: wasted };
}
