// A squarified treemap (Bruls, Huizing, van Wijk 2000) of the largest
// directories: each directory a rectangle whose area is its size, its
// subdirectories laid out inside it below a strip for its label.
import type { DirSummary } from './types';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Cell extends Rect {
  node: DirSummary;
  depth: number;
}

/** The worst aspect ratio of a row of areas laid along a side of this length. */
function worst(row: number[], side: number): number {
  const s = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (s * s), (s * s) / (side * side * min));
}

/** Rectangles for `values` (largest first, all > 0) filling `rect`, in the same order. */
export function squarify(values: number[], rect: Rect): Rect[] {
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0 || rect.w <= 0 || rect.h <= 0) return values.map(() => ({ x: rect.x, y: rect.y, w: 0, h: 0 }));
  const scale = (rect.w * rect.h) / total;
  const areas = values.map((v) => v * scale);
  const out: Rect[] = [];
  let r = { ...rect };
  let i = 0;
  while (i < areas.length) {
    const side = Math.min(r.w, r.h);
    const row = [areas[i++]];
    while (i < areas.length && worst([...row, areas[i]], side) <= worst(row, side)) row.push(areas[i++]);
    const s = row.reduce((a, b) => a + b, 0);
    if (r.w >= r.h) {
      // a column at the left
      const w = i === areas.length ? r.w : s / r.h;
      let y = r.y;
      for (const a of row) {
        const h = (a / s) * r.h;
        out.push({ x: r.x, y, w, h });
        y += h;
      }
      r = { x: r.x + w, y: r.y, w: r.w - w, h: r.h };
    } else {
      // a strip at the top
      const h = i === areas.length ? r.h : s / r.w;
      let x = r.x;
      for (const a of row) {
        const w = (a / s) * r.w;
        out.push({ x, y: r.y, w, h });
        x += w;
      }
      r = { x: r.x, y: r.y + h, w: r.w, h: r.h - h };
    }
  }
  return out;
}

/** Cells for the tree's children (depth 1) and, inside each big enough, theirs (depth 2), ... */
export function treemap(
  tree: DirSummary,
  rect: Rect,
  opts: { label: number; maxDepth: number } = { label: 16, maxDepth: 2 },
): Cell[] {
  const cells: Cell[] = [];
  const place = (node: DirSummary, r: Rect, depth: number) => {
    const kids = node.children.filter((c) => c.size > 0);
    const rects = squarify(
      kids.map((k) => k.size),
      r,
    );
    kids.forEach((k, i) => {
      const c = rects[i];
      cells.push({ ...c, node: k, depth });
      const inner = { x: c.x + 2, y: c.y + opts.label, w: c.w - 4, h: c.h - opts.label - 2 };
      if (depth < opts.maxDepth && k.children.length > 0 && inner.w > 24 && inner.h > 24) place(k, inner, depth + 1);
    });
  };
  place(tree, rect, 1);
  return cells;
}
