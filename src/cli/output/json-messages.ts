// Docker's JSON progress messages shown as the docker CLI shows them
// (moby's pkg/jsonmessage): on a terminal each ID keeps its line, rewritten
// in place with its status and a progress bar; when piped, only the messages
// without a moving bar are printed, one line each.
import type { ProgressMessage } from '../../registry/progress';
import { humanSize } from '../../util/units';

/** Go's time.Duration String of whole seconds: 0s, 45s, 1m5s, 2h0m1s. */
function goDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h${m}m${r}s`;
  if (m) return `${m}m${r}s`;
  return `${r}s`;
}

/** JSONProgress.String(): "[=====>     ]  1.2MB/4.5MB 3s" (the bar only on a terminal wider than 110 columns). */
export function progressString(
  current: number,
  total: number,
  width: number,
  startedMs?: number,
  nowMs = Date.now(),
): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] ` : '';
  const numbers =
    current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  let left = '';
  if (width > 50 && current > 0 && startedMs !== undefined && pct < 50) {
    const perByte = (nowMs - startedMs) / 1000 / current;
    left = ` ${goDuration((total - current) * perByte)}`;
  }
  return bar + numbers + left;
}

export class JsonMessageDisplay {
  /** the line of each ID shown with progress, counted from the first */
  private ids = new Map<string, number>();
  private started = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly terminal: boolean,
    private readonly width = (out as { columns?: number }).columns || 200,
  ) {}

  write = (m: ProgressMessage): void => {
    const hasProgress = m.progressDetail !== undefined;
    let diff = 0;
    if (m.id && hasProgress) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(m.id, line);
        if (this.terminal) this.out.write('\n');
      }
      diff = this.ids.size - line;
      if (this.terminal) this.out.write(`\x1b[${diff}A`);
    } else {
      this.ids = new Map();
    }
    this.display(m);
    if (m.id && this.terminal && diff) this.out.write(`\x1b[${diff}B`);
  };

  private display(m: ProgressMessage): void {
    const d = m.progressDetail;
    const key = `${m.id}\0${m.status}`;
    if (d?.current && !this.started.has(key)) this.started.set(key, Date.now());
    const bar = d ? progressString(d.current ?? 0, d.total ?? 0, this.width, this.started.get(key)) : '';
    let endl = '';
    if (this.terminal && d) {
      this.out.write('\x1b[2K\r');
      endl = '\r';
    } else if (d && bar) {
      return; // no moving bars when piped
    }
    const id = m.id ? `${m.id}: ` : '';
    if (d && this.terminal) this.out.write(`${id}${m.status} ${bar}${endl}`);
    else this.out.write(`${id}${m.status}${endl}\n`);
  }
}
