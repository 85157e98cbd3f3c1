// Streaming tar reader that reports every byte: header blocks, PAX and GNU
// long-name records, padding and the trailer come out as `raw`, file contents
// as `data`. That is what tar-split needs to rebuild a layer byte for byte.
import { readSync as fsReadSync } from 'node:fs';
import { invalidArgument } from '../errdefs';
import {
  BLOCK,
  decodeBlock,
  hasBody,
  isZeroBlock,
  paddingFor,
  parsePax,
  resolveHeader,
  type RawHeader,
  type TarHeader,
} from './header';

export interface TarVisitor {
  /** Bytes that are not file content, in stream order. */
  raw?(buf: Buffer): void | Promise<void>;
  /** An entry's header is complete; its body (if any) follows as `data`. */
  entry(h: TarHeader): void | Promise<void>;
  data?(buf: Buffer): void | Promise<void>;
  endEntry?(h: TarHeader): void | Promise<void>;
}

// PAX and GNU long-name records above this size are refused (Go's limit too).
const MAX_SPECIAL = 1 << 20;

// readTarRange: the read-ahead window, and the largest body copied from it.
const WINDOW = 256 << 10;
const SMALL_BODY = 64 << 10;
const AFTER_RANGE_WINDOW = 16 << 10;

/** A queue of chunks pulled from an async source on demand. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  async ensure(n: number): Promise<boolean> {
    while (this.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.length += r.value.length;
      }
    }
    return this.length >= n;
  }

  /** Takes up to n bytes from the first chunk without copying. */
  takeSome(n: number): Buffer {
    const c = this.chunks[this.head];
    if (c.length <= n) {
      this.chunks[this.head++] = undefined as unknown as Buffer;
      if (this.head > 1024) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
      this.length -= c.length;
      return c;
    }
    this.chunks[this.head] = c.subarray(n);
    this.length -= n;
    return c.subarray(0, n);
  }

  take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first.length >= n) return this.takeSome(n);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const part = this.takeSome(n - off);
      part.copy(out, off);
      off += part.length;
    }
    return out;
  }

  async *drain(): AsyncGenerator<Buffer> {
    for (;;) {
      while (this.length > 0) yield this.takeSome(this.length);
      if (this.done || !(await this.ensure(1))) return;
    }
  }
}

const truncated = () => invalidArgument('archive/tar: unexpected EOF (the archive is truncated)');

export async function readTar(source: AsyncIterable<Buffer>, v: TarVisitor): Promise<void> {
  const q = new ByteQueue(source[Symbol.asyncIterator]());
  const raw = async (b: Buffer) => {
    if (v.raw) await v.raw(b);
  };
  const readSpecial = async (size: number): Promise<Buffer> => {
    if (size > MAX_SPECIAL) throw invalidArgument('archive/tar: extended header too large');
    const total = size + paddingFor(size);
    if (!(await q.ensure(total))) throw truncated();
    const b = q.take(total);
    await raw(b);
    return b.subarray(0, size);
  };
  const meta = new MetaRecords();
  for (;;) {
    if (!(await q.ensure(BLOCK))) {
      if (q.length === 0 && meta.empty) return; // no end marker: accepted, as Go does
      throw truncated();
    }
    const blk = q.take(BLOCK);
    if (isZeroBlock(blk)) {
      await raw(blk);
      if (await q.ensure(BLOCK)) {
        const second = q.take(BLOCK);
        if (!isZeroBlock(second)) throw invalidArgument('archive/tar: invalid tar header');
        await raw(second);
      }
      for await (const rest of q.drain()) await raw(rest); // trailing padding belongs to the stream too
      return;
    }
    await raw(blk);
    const h = await meta.fold(decodeBlock(blk), readSpecial);
    if (!h) continue;
    await v.entry(h);
    if (hasBody(h.type)) {
      let left = h.size;
      while (left > 0) {
        if (!(await q.ensure(1))) throw truncated();
        const part = q.takeSome(left);
        left -= part.length;
        if (v.data) await v.data(part);
      }
      const pad = paddingFor(h.size);
      if (pad > 0) {
        if (!(await q.ensure(pad))) throw truncated();
        await raw(q.take(pad));
      }
    }
    if (v.endEntry) await v.endEntry(h);
  }
}

function trimNul(b: Buffer): Buffer {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
}

/**
 * The records that describe the next entry (PAX 'x', GNU long name 'L' and long
 * link 'K'), folded into its header; both readers share it.
 */
class MetaRecords {
  private pax?: Map<string, Buffer>;
  private longName?: Buffer;
  private longLink?: Buffer;

  /** Nothing pending: the archive may end here. */
  get empty(): boolean {
    return !this.pax && !this.longName && !this.longLink;
  }

  /** The entry's header, or undefined when rh was a record for the next one (its body read by readSpecial). */
  async fold(rh: RawHeader, readSpecial: (size: number) => Promise<Buffer>): Promise<TarHeader | undefined> {
    switch (rh.typeflag) {
      case 'x':
        this.pax = new Map([...(this.pax ?? []), ...parsePax(await readSpecial(rh.size))]);
        return undefined;
      case 'g':
        await readSpecial(rh.size); // global PAX records are ignored, as Docker does
        return undefined;
      case 'L':
        this.longName = trimNul(await readSpecial(rh.size));
        return undefined;
      case 'K':
        this.longLink = trimNul(await readSpecial(rh.size));
        return undefined;
    }
    const h = resolveHeader(rh, this.pax, this.longName, this.longLink);
    this.pax = this.longName = this.longLink = undefined;
    return h;
  }
}

/** A visitor that can also take a body as a byte range of a file (not read into memory). */
export interface RangeVisitor extends TarVisitor {
  /** The body of the current entry lies at [offset, offset+size) of fd. */
  body(fd: number, offset: number, size: number): void | Promise<void>;
}

/**
 * Reads the tar stored at [start, end) of an open file: headers are read with
 * pread, bodies are handed over as ranges (load copies them with copy_file_range
 * straight from the archive into the layer, and hashes them on another core).
 */
export async function readTarRange(fd: number, start: number, end: number, v: RangeVisitor): Promise<void> {
  let pos = start;
  // Headers and small bodies come from a read-ahead window (a fresh buffer each
  // time, so slices handed out stay valid); large bodies are passed as ranges.
  let win = Buffer.alloc(0);
  let winStart = start;
  // after a body passed as a range, the next window is small: a large file often
  // follows, and a full window would read (and fault in) a quarter of it for nothing
  let nextWindow = WINDOW;
  const fill = (n: number) => {
    const len = Math.min(Math.max(n, nextWindow), end - pos);
    nextWindow = WINDOW;
    win = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const k = fsReadSync(fd, win, got, len - got, pos + got);
      if (k === 0) throw truncated();
      got += k;
    }
    winStart = pos;
  };
  const inWindow = (n: number) => pos >= winStart && pos + n <= winStart + win.length;
  const read = (n: number): Buffer => {
    if (pos + n > end) throw truncated();
    if (!inWindow(n)) fill(n);
    const b = win.subarray(pos - winStart, pos - winStart + n);
    pos += n;
    return b;
  };
  const raw = async (b: Buffer) => {
    if (v.raw) await v.raw(b);
  };
  const readSpecial = async (size: number): Promise<Buffer> => {
    if (size > MAX_SPECIAL) throw invalidArgument('archive/tar: extended header too large');
    const b = read(size + paddingFor(size));
    await raw(b);
    return b.subarray(0, size);
  };
  const meta = new MetaRecords();
  for (;;) {
    if (pos + BLOCK > end) {
      if (pos === end && meta.empty) return;
      throw truncated();
    }
    const blk = read(BLOCK);
    if (isZeroBlock(blk)) {
      await raw(blk);
      if (pos + BLOCK <= end) {
        const second = read(BLOCK);
        if (!isZeroBlock(second)) throw invalidArgument('archive/tar: invalid tar header');
        await raw(second);
      }
      while (pos < end) await raw(read(Math.min(1 << 20, end - pos)));
      return;
    }
    await raw(blk);
    const h = await meta.fold(decodeBlock(blk), readSpecial);
    if (!h) continue;
    await v.entry(h);
    if (hasBody(h.type)) {
      if (pos + h.size > end) throw truncated();
      if (h.size <= SMALL_BODY || inWindow(h.size)) {
        const b = read(h.size);
        if (v.data && h.size > 0) await v.data(b);
      } else {
        await v.body(fd, pos, h.size);
        pos += h.size;
        nextWindow = AFTER_RANGE_WINDOW;
      }
      const pad = paddingFor(h.size);
      if (pad) await raw(read(pad));
    }
    if (v.endEntry) await v.endEntry(h);
  }
}
