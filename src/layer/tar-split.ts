// tar-split: the non-content bytes of a layer tar (headers, padding, trailer)
// plus, for each regular file, where its content now lives. With the unpacked
// layer directory it rebuilds the original tar byte for byte, so stowage keeps
// one copy of each layer (as Docker's classic store does) and still saves
// archives whose layer digests match. Format: gzip of records
//   'R' u32 length, bytes             raw bytes
//   'F' u32 length, path, f64 size    content of <layer dir>/<path>
import { gzipSync, gunzipSync } from 'node:zlib';
import { internal } from '../errdefs';

export type Segment = { raw: Buffer } | { file: string; size: number };

export class TarSplitBuilder {
  private readonly segments: Segment[] = [];
  private pending: Buffer[] = [];

  raw(b: Buffer): void {
    this.pending.push(Buffer.from(b)); // copy: the source chunk may be reused
  }

  private flush(): void {
    if (this.pending.length > 0) {
      this.segments.push({ raw: Buffer.concat(this.pending) });
      this.pending = [];
    }
  }

  /** Adds a file-content segment; returns its index for repoint(). */
  file(path: string, size: number): number {
    this.flush();
    this.segments.push({ file: path, size });
    return this.segments.length - 1;
  }

  /** The content of segment i moved (its path was overwritten later in the tar). */
  repoint(i: number, path: string): void {
    const s = this.segments[i];
    if (!('file' in s)) throw internal('tar-split: repoint of a raw segment');
    s.file = path;
  }

  serialize(): Buffer {
    this.flush();
    const parts: Buffer[] = [];
    for (const s of this.segments) {
      if ('raw' in s) {
        const h = Buffer.alloc(5);
        h[0] = 0x52;
        h.writeUInt32LE(s.raw.length, 1);
        parts.push(h, s.raw);
      } else {
        const p = Buffer.from(s.file, 'utf8');
        const h = Buffer.alloc(5);
        h[0] = 0x46;
        h.writeUInt32LE(p.length, 1);
        const sz = Buffer.alloc(8);
        sz.writeDoubleLE(s.size);
        parts.push(h, p, sz);
      }
    }
    return gzipSync(Buffer.concat(parts), { level: 1 });
  }
}

export function parseTarSplit(gz: Buffer): Segment[] {
  const b = gunzipSync(gz);
  const out: Segment[] = [];
  let off = 0;
  while (off < b.length) {
    const kind = b[off];
    const len = b.readUInt32LE(off + 1);
    off += 5;
    if (kind === 0x52) {
      out.push({ raw: b.subarray(off, off + len) });
      off += len;
    } else if (kind === 0x46) {
      const file = b.toString('utf8', off, off + len);
      off += len;
      out.push({ file, size: b.readDoubleLE(off) });
      off += 8;
    } else {
      throw internal('tar-split: corrupt record');
    }
  }
  return out;
}

/** Total length of the tar the segments rebuild. */
export function tarSize(segments: Segment[]): number {
  let n = 0;
  for (const s of segments) n += 'raw' in s ? s.raw.length : s.size;
  return n;
}
