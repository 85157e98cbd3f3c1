// The report on a terminal: the figures, a table of layers (top first, as
// `history`), one bar per layer (what containers see, what later layers hide),
// the largest files and the paths that waste most.
import { shortId } from '../digest';
import { tabwrite } from '../util/tabwriter';
import { humanSize } from '../util/units';
import { topN } from './analyze';
import type { ExplainReport, LayerReport, WastedCopy } from './types';

const BAR = 40;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const LISTED_WASTE = 10;
const LISTED_FILES = 10;

export interface TextOptions {
  color: boolean;
}

function cut(s: string, width: number): string {
  const runes = Array.from(s.replace(/\s+/g, ' ').trim()); // code points, not UTF-16 units
  return runes.length <= width ? runes.join('') : `${runes.slice(0, width - 1).join('')}…`;
}

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What made a layer, in a line: its history text, else its comment. */
export function layerLabel(l: LayerReport): string {
  return l.createdBy.replace(/\s+/g, ' ').trim() || (l.comment ? `(${l.comment})` : '');
}

/** A bar of `width` cells: the seen part in full blocks (eighths at its end), the hidden part shaded. */
export function layerBar(seen: number, hidden: number, max: number, width = BAR): { seen: string; hidden: string } {
  if (max <= 0) return { seen: '', hidden: '' };
  // the smallest layer still gets a sliver: a bar of nothing would read as an empty layer
  const seenEighths = seen > 0 ? Math.max(1, Math.round((seen / max) * width * 8)) : 0;
  const full = Math.floor(seenEighths / 8);
  const seenBar = '█'.repeat(full) + EIGHTHS[seenEighths % 8];
  const used = full + (seenEighths % 8 ? 1 : 0);
  const room = width - used;
  const hiddenCells =
    hidden > 0 && room > 0 ? Math.max(1, Math.min(room, Math.round(((seen + hidden) / max) * width) - used)) : 0;
  return { seen: seenBar, hidden: '░'.repeat(hiddenCells) };
}

function fateText(c: WastedCopy): string {
  return `layer ${c.layer} (${c.fate === 'deleted' ? 'deleted' : 'overwritten'} in layer ${c.by})`;
}

export function renderText(r: ExplainReport, opts: TextOptions): string {
  const paint = (code: string, s: string) => (opts.color && s ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  const name = r.image.tags[0] ?? shortId(r.image.id);
  const from = r.image.source === 'archive' ? `, from ${r.image.archive}` : '';
  out.push(`Image:      ${name} (${r.image.id.slice(0, 19)}…${from})`);
  out.push(
    `Size:       ${humanSize(r.size)} in ${plural(r.layers.length, 'layer')}; a container sees ${humanSize(r.visibleBytes)} in ${plural(r.files, 'file')}`,
  );
  out.push(
    r.wastedBytes > 0
      ? `Wasted:     ${humanSize(r.wastedBytes)} (${percent(r.size ? r.wastedBytes / r.size : 0)}) in ${plural(r.wastedPaths, 'path')}, shipped but hidden by later layers`
      : 'Wasted:     0B: no layer hides anything a lower one shipped',
  );
  out.push(
    `Efficiency: ${percent(r.efficiency)} (dive's score; dive would call ${humanSize(r.diveWastedBytes)} wasted)`,
  );
  out.push(`Shared:     ${humanSize(r.sharedBytes)} with other images, ${humanSize(r.uniqueBytes)} unique to this one`);
  out.push('');

  const top = [...r.layers].reverse();
  const rows = [['LAYER', 'SIZE', 'HIDDEN', 'ADDED', 'CHANGED', 'DELETED', 'SHARED WITH', 'CREATED BY']];
  for (const l of top) {
    const shared =
      l.sharedWith.length > 2
        ? `${l.sharedWith.slice(0, 2).join(', ')} +${l.sharedWith.length - 2}`
        : l.sharedWith.join(', ');
    rows.push([
      String(l.number),
      humanSize(l.size),
      humanSize(l.hiddenBytes),
      String(l.added),
      String(l.changed),
      String(l.deleted),
      shared,
      cut(layerLabel(l), 50),
    ]);
  }
  out.push(tabwrite(rows.map((x) => x.join('\t')).join('\n')));
  out.push('');

  const max = Math.max(0, ...r.layers.map((l) => l.size));
  const numWidth = String(r.layers.length).length;
  for (const l of top) {
    const b = layerBar(l.size - l.hiddenBytes, l.hiddenBytes, max);
    const pad = ' '.repeat(BAR - Array.from(b.seen).length - b.hidden.length);
    const note = l.hiddenBytes > 0 ? `${humanSize(l.size)}, ${humanSize(l.hiddenBytes)} hidden` : humanSize(l.size);
    out.push(`  ${String(l.number).padStart(numWidth)} ▕${paint('36', b.seen)}${paint('31', b.hidden)}${pad}▏ ${note}`);
  }
  out.push(
    `  ${' '.repeat(numWidth)}  ${paint('36', '█')} seen by containers  ${paint('31', '░')} hidden by a later layer`,
  );

  const largest = topN(
    r.layers.flatMap((l) => l.largest.map((f) => ({ ...f, layer: l.number }))),
    LISTED_FILES,
    (f) => f.size,
  );
  if (largest.length > 0) {
    out.push('', 'Largest files:');
    const rows1 = [['SIZE', 'LAYER', 'PATH']];
    for (const f of largest)
      rows1.push([
        humanSize(f.size),
        String(f.layer),
        f.path + (f.hiddenBy ? `  (hidden by layer ${f.hiddenBy})` : ''),
      ]);
    out.push(tabwrite(rows1.map((x) => x.join('\t')).join('\n')));
  }

  if (r.waste.length > 0) {
    out.push('', 'Wasted space (bytes a layer ships that a later layer hides):');
    const rows2 = [['WASTED', 'PATH', 'COPIES']];
    for (const w of r.waste.slice(0, LISTED_WASTE))
      rows2.push([humanSize(w.bytes), w.path, w.copies.map(fateText).join(', ')]);
    out.push(tabwrite(rows2.map((x) => x.join('\t')).join('\n')));
    if (r.wastedPaths > LISTED_WASTE)
      out.push(
        `... and ${plural(r.wastedPaths - LISTED_WASTE, 'more path')} (--format json lists ${Math.min(r.wastedPaths, r.waste.length)})`,
      );
  }
  return `${out.join('\n')}\n`;
}
