// Reading conmon's k8s-file log for `docker logs`.
//
// conmon 2.1.6 writes one line per line of output:
//   2026-11-30T01:36:53.421001360+00:00 stdout F out
// (local time with a numeric offset, nanoseconds). A line longer than one read
// (8 KiB) or not ended by a newline is split: all pieces but the last are
// "P" (partial; conmon adds the newline to the file, not to the data), the last "F".
import fs from 'node:fs';
import path from 'node:path';

export interface LogRecord {
  /** RFC3339 with 9 fraction digits, UTC (as `docker logs --timestamps` prints it) */
  time: string;
  /** nanoseconds since the epoch */
  nanos: bigint;
  /** milliseconds since the epoch (Date-compatible) */
  timestamp: number;
  stream: 'stdout' | 'stderr';
  /** true for a piece of a line: the output continues in the next record(s) of the stream, with no newline between */
  partial: boolean;
  /** the text, without its newline */
  line: string;
}

const LINE_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) (stdout|stderr) ([FP])(?: (.*))?$/s;

/** One line of the log (without its newline) as a record; undefined if it is not one. */
export function parseLogLine(line: string): LogRecord | undefined {
  const m = LINE_RE.exec(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone, stream, tag, text = ''] = m;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const z = zone.replace(':', '');
    offsetMin = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
  }
  const secondsMs =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMin * 60_000;
  if (Number.isNaN(secondsMs)) return undefined;
  const fracNs = BigInt(frac.padEnd(9, '0') || '0');
  const nanos = BigInt(secondsMs) * 1_000_000n + fracNs;
  const iso = new Date(secondsMs).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  return {
    time: `${iso}.${fracNs.toString().padStart(9, '0')}Z`,
    nanos,
    timestamp: secondsMs + Number(fracNs) / 1e6,
    stream: stream as 'stdout' | 'stderr',
    partial: tag === 'P',
    line: text,
  };
}

export interface ReadLogsOptions {
  /** keep reading as the log grows (tail -f) until isRunning() says the container stopped */
  follow?: boolean;
  /**
   * polled while following; without it, following goes on until the consumer stops
   * iterating. Use conmon's isMonitored(paths, id), not runc state (see there).
   */
  isRunning?: () => boolean | Promise<boolean>;
  /** only records at or after this time (epoch milliseconds) */
  since?: number;
  /** only records at or before this time (epoch milliseconds) */
  until?: number;
  /** only the last `tail` lines (a partial record and the records completing it count as one line) */
  tail?: number;
  /** how often to look for new data when following (default 100 ms) */
  pollMs?: number;
}

/**
 * Complete lines of the log from a position, following the file across
 * rotations: the file is held open, and when another file takes its name the
 * rest of the old one is read before the new one is opened. Read with the
 * synchronous calls (fs.promises costs `logs` several ms to load), giving the
 * event loop a turn between chunks so that a server reading a long log still serves others.
 */
class LineReader {
  private fd: number | undefined;
  private ino = -1;
  private pos = 0;
  private rest: Buffer = Buffer.alloc(0);
  constructor(readonly file: string) {}

  /** every complete line appended since the last call ([] while the file does not exist) */
  async readAvailable(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      if (this.fd === undefined) {
        try {
          this.fd = fs.openSync(this.file, 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return lines;
          throw err;
        }
        this.ino = fs.fstatSync(this.fd).ino;
        this.pos = 0;
      }
      lines.push(...(await this.drain(this.fd)));
      const now = fs.statSync(this.file, { throwIfNoEntry: false });
      if (!now || now.ino === this.ino) return lines;
      // rotated: the old file is read to its end above; the files rotated after it (several
      // rotations since the last look), then the new current one
      this.close();
      const rotated = rotatedLogs(this.file);
      const at = rotated.findIndex((f) => fs.statSync(f, { throwIfNoEntry: false })?.ino === this.ino);
      for (const f of at >= 0 ? rotated.slice(at + 1) : rotated) lines.push(...readLines(f));
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.rest = Buffer.alloc(0);
  }

  private async drain(fd: number): Promise<string[]> {
    const lines: string[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const bytesRead = fs.readSync(fd, chunk, 0, chunk.length, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      let data = Buffer.concat([this.rest, chunk.subarray(0, bytesRead)]);
      let nl: number;
      while ((nl = data.indexOf(0x0a)) >= 0) {
        lines.push(data.subarray(0, nl).toString('utf8'));
        data = data.subarray(nl + 1);
      }
      this.rest = Buffer.from(data);
      if (bytesRead === chunk.length) await new Promise((r) => setImmediate(r));
    }
    return lines;
  }
}

/** The rotated files of a log (LOG.1, LOG.2 ... as json-file names them), oldest first. */
export function rotatedLogs(logPath: string): string[] {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // no log directory: no rotated files
    return [];
  }
  return names
    .map((n) => ({
      n,
      i: n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1)) ? Number(n.slice(base.length + 1)) : 0,
    }))
    .filter((x) => x.i > 0)
    .sort((a, b) => b.i - a.i)
    .map((x) => path.join(dir, x.n));
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  } catch {
    return []; // rotated away meanwhile
  }
}

function inWindow(r: LogRecord, opts: ReadLogsOptions): boolean {
  if (opts.since !== undefined && r.timestamp < opts.since) return false;
  if (opts.until !== undefined && r.timestamp > opts.until) return false;
  return true;
}

/** The records making up the last n lines (a line = a run of P records and the F ending it, per stream). */
export function tailRecords(records: LogRecord[], n: number): LogRecord[] {
  if (n <= 0) return [];
  const lineOf: number[] = [];
  const open = new Map<string, number>(); // stream -> line still collecting partials
  let next = 0;
  for (const r of records) {
    const id = open.get(r.stream) ?? next++;
    lineOf.push(id);
    if (r.partial) open.set(r.stream, id);
    else open.delete(r.stream);
  }
  const firstKept = next - n;
  return records.filter((_, i) => lineOf[i] >= firstKept);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The container's log records, oldest first. With `follow`, waits for more
 * until isRunning() returns false (and what was written before that is read).
 */
export async function* readLogs(logPath: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogRecord> {
  const reader = new LineReader(logPath);
  const parse = (lines: string[]) =>
    lines.map(parseLogLine).filter((r): r is LogRecord => r !== undefined && inWindow(r, opts));

  let running = opts.follow ? await (opts.isRunning?.() ?? true) : false;
  try {
    // the rotated files first (max-size with max-file > 1), then the current one
    let first = parse([...rotatedLogs(logPath).flatMap(readLines), ...(await reader.readAvailable())]);
    if (opts.tail !== undefined && opts.tail >= 0) first = tailRecords(first, opts.tail);
    for (const r of first) yield r;
    while (opts.follow && running) {
      await sleep(opts.pollMs ?? 100);
      // ask first, read after: what the container wrote before stopping is never missed
      running = await (opts.isRunning?.() ?? true);
      for (const r of parse(await reader.readAvailable())) yield r;
    }
  } finally {
    reader.close();
  }
}
