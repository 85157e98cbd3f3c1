// Per-item progress bars on a terminal, in the style of docker's jsonmessage
// ("<id>: Loading layer [=====>    ]  1.2MB/4.5MB"); nothing when not a terminal.
import { humanSize } from '../../util/units';

import type { Progress } from '../../util/progress';

export { NO_PROGRESS, type Progress } from '../../util/progress';

const WIDTH = 50;

function bar(done: number, total: number): string {
  if (total <= 0) return '';
  const n = Math.min(WIDTH, Math.floor((done / total) * WIDTH));
  const arrow = n < WIDTH ? '>' : '';
  return `[${'='.repeat(n === WIDTH ? WIDTH - 1 : n)}${n === WIDTH ? '>' : arrow}${' '.repeat(Math.max(0, WIDTH - n - 1))}] ${humanSize(done).padStart(8)}/${humanSize(total)}`;
}

export class TerminalProgress implements Progress {
  private readonly lines: Array<{ id: string; action: string; done: number; total: number }> = [];
  private last = 0;

  constructor(private readonly out: NodeJS.WritableStream) {}

  private render(line: (typeof this.lines)[number]): string {
    return `${line.id}: ${line.action} ${bar(line.done, line.total)}`;
  }

  start(id: string, action: string, total: number): void {
    const line = { id, action, done: 0, total };
    this.lines.push(line);
    this.out.write(`${this.render(line)}\n`);
  }

  update(id: string, done: number, force = false): void {
    const i = this.lines.findIndex((l) => l.id === id);
    if (i < 0) return;
    this.lines[i].done = done;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const up = this.lines.length - i;
    // move up to the line, rewrite it, come back down
    this.out.write(`\x1b[${up}A\r\x1b[2K${this.render(this.lines[i])}\x1b[${up}B\r`);
  }

  finish(id: string): void {
    const l = this.lines.find((x) => x.id === id);
    if (l) this.update(id, l.total, true);
  }
}
