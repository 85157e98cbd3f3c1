// "Why is this image so big": per layer what it adds and what later layers
// hide of it, per image what a container sees and what is shipped for nothing,
// dive's efficiency score, and the paths that waste most. Pure: it takes the
// layers' entries, however they were read.
import { summarize } from './dir-summary';
import { diveEfficiency } from './efficiency';
import { layerTree, OverlayView, type HiddenCopy, type LayerTree } from './overlay';
import type { ExplainReport, LargeFile, LayerInput, LayerReport, WastedPath } from './types';

/** Paths listed in a report's waste list, and files per layer in its "largest" list. */
export const WASTE_LISTED = 100;
export const LARGEST_LISTED = 10;

export type Analysis = Omit<ExplainReport, 'image' | 'sharedBytes' | 'uniqueBytes'>;

/** The n largest of xs by key, largest first, without sorting them all. */
export function topN<T>(xs: Iterable<T>, n: number, key: (x: T) => number): T[] {
  const top: T[] = [];
  for (const x of xs) {
    const k = key(x);
    if (top.length === n && k <= key(top[n - 1])) continue;
    let i = top.length;
    while (i > 0 && key(top[i - 1]) < k) i--;
    top.splice(i, 0, x);
    if (top.length > n) top.pop();
  }
  return top;
}

function largestFiles(tree: LayerTree): LargeFile[] {
  return topN(
    tree.inodes.filter((i) => i.inode.file && i.inode.size > 0),
    LARGEST_LISTED,
    (i) => i.inode.size,
  ).map((i) => ({
    path: i.path,
    size: i.inode.size,
    ...(i.inode.hiddenBy !== undefined ? { hiddenBy: i.inode.hiddenBy + 1 } : {}),
  }));
}

function wasteList(hidden: HiddenCopy[], view: OverlayView): { waste: WastedPath[]; count: number } {
  const byPath = new Map<string, WastedPath>();
  for (const h of hidden) {
    if (h.inode.size === 0) continue;
    let w = byPath.get(h.path);
    if (!w) byPath.set(h.path, (w = { path: h.path, bytes: 0, copies: [] }));
    w.bytes += h.inode.size;
    w.copies.push({ layer: h.inode.layer + 1, size: h.inode.size, fate: h.fate, by: h.by + 1 });
  }
  const waste = topN(byPath.values(), WASTE_LISTED, (w) => w.bytes);
  waste.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1));
  for (const w of waste) {
    w.copies.sort((a, b) => a.layer - b.layer);
    const seen = view.leafAt(w.path);
    if (seen) w.visibleIn = seen.inode.layer + 1;
  }
  return { waste, count: byPath.size };
}

export function analyze(layers: LayerInput[]): Analysis {
  const view = new OverlayView();
  const trees: LayerTree[] = [];
  const changes = layers.map((l, i) => {
    const tree = layerTree(l.entries, i);
    trees.push(tree);
    return view.apply(tree, i);
  });
  const reports: LayerReport[] = layers.map((l, i) => ({
    number: i + 1,
    diffId: l.diffId,
    chainId: l.chainId,
    createdBy: l.createdBy,
    ...(l.created ? { created: l.created } : {}),
    ...(l.comment ? { comment: l.comment } : {}),
    size: trees[i].size,
    hiddenBytes: view.hiddenBytes[i],
    ...changes[i],
    largest: largestFiles(trees[i]),
    sharedWith: [],
  }));
  const size = reports.reduce((n, r) => n + r.size, 0);
  const wastedBytes = reports.reduce((n, r) => n + r.hiddenBytes, 0);
  let files = 0;
  const count = (d: typeof view.root) => {
    for (const c of d.children.values()) {
      if (c.kind === 'dir') count(c);
      else files++;
    }
  };
  count(view.root);
  const dive = diveEfficiency(layers.map((l) => l.entries));
  const { waste, count: wastedPaths } = wasteList(view.hidden, view);
  return {
    size,
    visibleBytes: size - wastedBytes,
    wastedBytes,
    efficiency: dive.score,
    diveWastedBytes: dive.wastedBytes,
    files,
    layers: reports,
    waste,
    wastedPaths,
    tree: summarize(view.root),
  };
}
