// Go's text/tabwriter as the docker CLI sets it up: for tables of the CLI and
// of `image explain`'s text report.

/** Go's text/tabwriter with docker's settings: each cell padded to max(width+3, 10). */
export function tabwrite(text: string, minwidth = 10, padding = 3): string {
  const lines = text.split('\n');
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    for (let i = 0; i < row.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, Array.from(row[i]).length);
  }
  return cells
    .map((row) =>
      row
        .map((c, i) =>
          i < row.length - 1 ? c + ' '.repeat(Math.max(widths[i] + padding, minwidth) - Array.from(c).length) : c,
        )
        .join(''),
    )
    .join('\n');
}
