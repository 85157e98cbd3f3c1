// Blobs addressed by sha256 (image configs, manifests): written to a temporary
// file, hashed while streaming, renamed into place only if the digest matches.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import { hex, type Digest } from '../digest';
import { invalidArgument, notFound } from '../errdefs';
import { syncDir } from '../util/durable';

export class BlobStore {
  constructor(private readonly dir: string, private readonly tmp: () => string) {
    fs.mkdirSync(path.join(dir, 'sha256'), { recursive: true });
  }

  path(d: Digest): string {
    return path.join(this.dir, 'sha256', hex(d));
  }

  has(d: Digest): boolean {
    return fs.existsSync(this.path(d));
  }

  get(d: Digest): Buffer {
    try {
      return fs.readFileSync(this.path(d));
    } catch {
      throw notFound(`blob ${d} not found`);
    }
  }

  /** Stores bytes; when `expected` is given the content must hash to it. */
  put(data: Buffer, expected?: Digest): Digest {
    const d: Digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (expected && d !== expected) throw invalidArgument(`digest mismatch: expected ${expected}, got ${d}`);
    if (this.has(d)) return d;
    const tmp = this.tmp();
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd); // on disk before its name (and the row naming it) can be
    } finally {
      fs.closeSync(fd);
    }
    this.publish(tmp, d);
    return d;
  }

  async putStream(src: Readable, expected?: Digest): Promise<Digest> {
    const tmp = this.tmp();
    const hash = createHash('sha256');
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      await pipeline(
        src,
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            fs.write(fd, chunk, 0, chunk.length, null, (err) => cb(err));
          },
        }),
      );
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const d: Digest = `sha256:${hash.digest('hex')}`;
    if (expected && d !== expected) {
      fs.rmSync(tmp, { force: true });
      throw invalidArgument(`digest mismatch: expected ${expected}, got ${d}`);
    }
    this.publish(tmp, d);
    return d;
  }

  /** Renames a flushed temporary file into place, and flushes the rename. */
  private publish(tmp: string, d: Digest): void {
    fs.renameSync(tmp, this.path(d));
    syncDir(path.dirname(this.path(d)));
  }

  delete(d: Digest): void {
    fs.rmSync(this.path(d), { force: true });
  }
}
