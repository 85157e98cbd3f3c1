// The report as one self-contained HTML page (no script, no outside file):
// the figures, the layer stack (top first, each bar split into what containers
// see and what later layers hide), a treemap of the largest directories
// coloured by the layer that brought their bytes, and the waste list.
import { shortId } from '../digest';
import { humanSize } from '../util/units';
import { layerLabel, percent } from './text';
import { treemap } from './treemap';
import type { ExplainReport, LayerReport, WastedPath } from './types';

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#e15759',
];
const MAP_W = 960;
const MAP_H = 480;
const LISTED_WASTE = 50;

export const layerColor = (n: number) => PALETTE[(n - 1) % PALETTE.length];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 24px; color: #222; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px; }
code, .mono { font-family: ui-monospace, monospace; }
.id { color: #666; margin: 0; font-size: 0.9em; }
#summary { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.card .v { font-size: 1.4em; font-weight: 600; } .card .k { color: #555; font-size: 0.85em; }
.stack { list-style: none; padding: 0; margin: 0; }
.layer { border: 1px solid #ddd; border-left-width: 8px; border-radius: 4px; margin: 0 0 6px; padding: 6px 10px; }
.layer-head { display: flex; gap: 10px; align-items: baseline; }
.num { font-weight: 700; } .created-by { font-family: ui-monospace, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
.bar { display: flex; height: 14px; background: #f3f3f3; margin: 5px 0; border-radius: 2px; overflow: hidden; }
.bar .seen { background: #4e79a7; } .bar .hidden { background: repeating-linear-gradient(45deg, #e15759 0 4px, #f4b6b7 4px 8px); }
.figures { font-size: 0.85em; color: #444; }
details { font-size: 0.85em; margin-top: 4px; } table { border-collapse: collapse; }
td, th { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; } th { color: #555; font-weight: 600; }
td.size { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
#treemap { width: 100%; height: auto; border: 1px solid #ddd; }
#treemap text { font: 11px system-ui, sans-serif; fill: #111; pointer-events: none; }
.legend { font-size: 0.85em; display: flex; flex-wrap: wrap; gap: 12px; margin-top: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; }
.waste-row .path { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
footer { margin-top: 32px; color: #777; font-size: 0.8em; }
`;

function card(value: string, key: string, id: string): string {
  return `<div class="card" id="${id}"><div class="v">${escapeHtml(value)}</div><div class="k">${escapeHtml(key)}</div></div>`;
}

function layerItem(l: LayerReport, max: number): string {
  const seen = max > 0 ? ((l.size - l.hiddenBytes) / max) * 100 : 0;
  const hidden = max > 0 ? (l.hiddenBytes / max) * 100 : 0;
  const width = (p: number) => (p > 0 ? Math.max(p, 0.4).toFixed(2) : '0');
  const figures = [
    humanSize(l.size),
    l.hiddenBytes > 0 ? `<strong>${humanSize(l.hiddenBytes)} hidden by later layers</strong>` : 'nothing hidden',
    `${l.added} added, ${l.changed} changed, ${l.deleted} deleted`,
    l.sharedWith.length ? `shared with ${escapeHtml(l.sharedWith.join(', '))}` : 'used by no other image',
  ];
  const files = l.largest.length
    ? `<details><summary>Largest files</summary><table>${l.largest
        .map(
          (f) =>
            `<tr><td class="size">${humanSize(f.size)}</td><td class="mono">${escapeHtml(f.path)}${f.hiddenBy ? ` <em>(hidden by layer ${f.hiddenBy})</em>` : ''}</td></tr>`,
        )
        .join('')}</table></details>`
    : '';
  const label = layerLabel(l);
  return `<li class="layer" data-layer="${l.number}" style="border-left-color:${layerColor(l.number)}">
<div class="layer-head"><span class="num">Layer ${l.number}</span><span class="created-by" title="${escapeHtml(l.diffId)}">${escapeHtml(label || '(no history)')}</span></div>
<div class="bar" title="${humanSize(l.size - l.hiddenBytes)} seen, ${humanSize(l.hiddenBytes)} hidden"><span class="seen" style="width:${width(seen)}%"></span><span class="hidden" style="width:${width(hidden)}%"></span></div>
<div class="figures">${figures.join(' · ')}</div>${files}</li>`;
}

function treemapSvg(r: ExplainReport): string {
  const cells = treemap(r.tree, { x: 0, y: 0, w: MAP_W, h: MAP_H });
  const parts = cells.map((c) => {
    const fill = layerColor(c.node.layer);
    const title = `${c.node.path}: ${humanSize(c.node.size)}, mostly from layer ${c.node.layer}`;
    const label = `${c.node.name} ${humanSize(c.node.size)}`;
    const fits = c.w > label.length * 6.2 + 6 && c.h > 14;
    return `<g class="cell depth-${c.depth}" data-path="${escapeHtml(c.node.path)}"><title>${escapeHtml(title)}</title><rect x="${c.x.toFixed(1)}" y="${c.y.toFixed(1)}" width="${Math.max(0, c.w).toFixed(1)}" height="${Math.max(0, c.h).toFixed(1)}" fill="${fill}" fill-opacity="${c.depth === 1 ? 0.45 : 0.75}" stroke="#fff" stroke-width="${c.depth === 1 ? 2 : 1}"/>${
      fits ? `<text x="${(c.x + 4).toFixed(1)}" y="${(c.y + 12).toFixed(1)}">${escapeHtml(label)}</text>` : ''
    }</g>`;
  });
  return `<svg id="treemap" viewBox="0 0 ${MAP_W} ${MAP_H}" width="${MAP_W}" height="${MAP_H}" role="img" aria-label="Largest directories">${parts.join('')}</svg>`;
}

function wasteTable(waste: WastedPath[], total: number): string {
  if (waste.length === 0)
    return '<p id="no-waste">Nothing is wasted: no layer overwrites or deletes what a lower layer shipped.</p>';
  const rows = waste.slice(0, LISTED_WASTE).map((w) => {
    const copies = w.copies
      .map((c) => `layer ${c.layer}: ${humanSize(c.size)}, ${c.fate} in layer ${c.by}`)
      .join('<br>');
    return `<tr class="waste-row"><td class="size">${humanSize(w.bytes)}</td><td class="path">${escapeHtml(w.path)}</td><td>${copies}${w.visibleIn ? `<br>seen: layer ${w.visibleIn}'s copy` : ''}</td></tr>`;
  });
  const more = total > LISTED_WASTE ? `<p>… and ${total - LISTED_WASTE} more paths.</p>` : '';
  return `<table id="waste"><thead><tr><th>wasted</th><th>path</th><th>copies hidden</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

export function renderHtml(r: ExplainReport): string {
  const name = r.image.tags[0] ?? shortId(r.image.id);
  const max = Math.max(0, ...r.layers.map((l) => l.size));
  const layersUsed = [...new Set(treemap(r.tree, { x: 0, y: 0, w: MAP_W, h: MAP_H }).map((c) => c.node.layer))].sort(
    (a, b) => a - b,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Why is ${escapeHtml(name)} ${humanSize(r.size)}? · stowage image explain</title>
<style>${STYLE}</style></head>
<body>
<header><h1>Why is <code>${escapeHtml(name)}</code> ${humanSize(r.size)}?</h1>
<p class="id">${escapeHtml(r.image.id)}${r.image.source === 'archive' ? ` · from ${escapeHtml(r.image.archive ?? '')}` : ''}</p></header>
<section id="summary">
${card(humanSize(r.size), `in ${r.layers.length} layer${r.layers.length === 1 ? '' : 's'}`, 'total')}
${card(humanSize(r.visibleBytes), `a container sees, in ${r.files} files`, 'visible')}
${card(humanSize(r.wastedBytes), `wasted: shipped, hidden by later layers (${r.wastedPaths} paths)`, 'wasted')}
${card(percent(r.efficiency), "efficiency (dive's score)", 'efficiency')}
${card(humanSize(r.sharedBytes), `shared with other images; ${humanSize(r.uniqueBytes)} unique`, 'shared')}
</section>
<section><h2>Layer stack</h2>
<p>Top layer first, as a container's filesystem stacks them. Bar lengths are layer sizes; the striped part is what later layers overwrite or delete.</p>
<ol id="layers" class="stack">
${[...r.layers]
  .reverse()
  .map((l) => layerItem(l, max))
  .join('\n')}
</ol></section>
<section><h2>Largest directories</h2>
<p>What a container sees, by size; colour = the layer that brought most of the bytes.</p>
${treemapSvg(r)}
<div class="legend">${layersUsed.map((n) => `<span><span class="swatch" style="background:${layerColor(n)}"></span>layer ${n}</span>`).join('')}</div>
</section>
<section><h2>Wasted space</h2>
${wasteTable(r.waste, r.wastedPaths)}
</section>
<footer>stowage image explain · sizes as <code>images</code> counts them · efficiency is dive's score (the smallest copy of each path over all copies)</footer>
</body></html>
`;
}
