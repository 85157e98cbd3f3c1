// Table and --format output as the docker CLI's formatter writes it: Go's
// tabwriter (minwidth 10, padding 3) for "table" formats, a template per row
// otherwise, and "json" meaning {{json .}}.
import { goJson } from '../../util/gojson';
import { tabwrite } from '../../util/tabwriter';
import { renderTemplate, parseTemplate, execTemplate } from './template';

export { tabwrite };

/** A LABELS column: key=value pairs joined by commas, as the docker CLI lists them. */
export function labelsColumn(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface TableSpec {
  /** The default format, e.g. "table {{.ID}}\t{{.Image}}". */
  defaultFormat: string;
  /** Header text for each field used in table formats. */
  headers: Record<string, string>;
}

/** Renders rows with a user --format (or the default); returns the text to print. */
export function formatRows(format: string | undefined, rows: object[], spec: TableSpec): string {
  let f = format && format !== '' ? format : spec.defaultFormat;
  // `--format json`: one object per line with its keys sorted, as Go encodes a map
  if (f === 'json')
    return rows
      .map((r) => `${goJson(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))}\n`)
      .join('');
  f = f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (f.startsWith('table')) {
    const body = f.slice(5).replace(/^\s+/, '') || spec.defaultFormat.slice(6);
    const header = renderTemplate(body, spec.headers, { lenient: true }).replace(/<no value>/g, '');
    const tmpl = parseTemplate(body);
    const lines = [header, ...rows.map((r) => execTemplate(tmpl, r))];
    return `${tabwrite(lines.join('\n'))}\n`;
  }
  const tmpl = parseTemplate(f);
  return rows.map((r) => `${execTemplate(tmpl, r)}\n`).join('');
}

/** The docker CLI's Ellipsis: cut to width-1 runes and add "…". */
export function ellipsis(s: string, width: number): string {
  const runes = Array.from(s);
  return runes.length <= width ? s : `${runes.slice(0, width - 1).join('')}…`;
}
