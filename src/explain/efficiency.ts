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

/** The path a node stands for: a whiteout's own name loses its prefix. */
const pathOf = (dir: string[], name: string) => [...dir, name.startsWith(WHITEOUT) ? name.slice(WHITEOUT.length) : name];

function visitLeaves(n: DNode, dir: string[], fn: (leaf: DNode, name: string, dir: string[]) => void): void {
  for (const [name, c] of n.children) {
    if (c.children.size > 0) visitLeaves(c, [...dir, name], fn);
    else fn(c, name, dir);
  }
}

function get(root: DNode, parts: string[]): DNode | undefined {
  let n: DNode | undefined = root;
  for (const p of parts) n = n?.children.get(p);
  return n;
}

function subtreeSize(n: DNode): number {
  let s = n.size;
  for (const c of n.children.values()) s += subtreeSize(c);
  return s;
}

/** dive's FileTree.Stack: whiteouts remove, everything else is added (children first, as dive walks). */
function stack(lower: DNode, upper: DNode, dir: string[] = []): void {
  for (const name of [...upper.children.keys()].sort()) {
    const c = upper.children.get(name)!;
    const parts = [...dir, name];
    stack(lower, c, parts);
    if (name.startsWith(WHITEOUT)) {
      const p = pathOf(dir, name);
      get(lower, p.slice(0, -1))?.children.delete(p[p.length - 1]);
    } else addPath(lower, parts, c.size, c.isDir);
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
    visitLeaves(tree, [], (leaf, name, dir) => {
      const parts = pathOf(dir, name);
      let size = leaf.size;
      if (name.startsWith(WHITEOUT)) {
        const deleted = get(below, parts);
        size = deleted?.isDir ? subtreeSize(deleted) : 0;
      }
      const key = parts.join('/');
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
