// Blobs addressed by sha256 (image configs, manifests): written to a temporary
// file, hashed while streaming, renamed into place only if the digest matches.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { hex, sha256Hasher, type Digest } from '../digest';
import { invalidArgument, notFound } from '../errdefs';
import { syncDir } from '../native/durable';
import type { Blobs } from './blobs';

export class BlobStore implements Blobs {
  constructor(
    private readonly dir: string,
    private readonly tmp: () => string,
  ) {
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
      // an absent blob is the expected failure (this also reports EACCES or EIO as not found)
      throw notFound(`blob ${d} not found`);
    }
  }

  /** Stores bytes; when `expected` is given the content must hash to it. */
  put(data: Buffer, expected?: Digest): Digest {
    const d: Digest = `sha256:${sha256Hasher().update(data).digest('hex')}`;
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
    const hash = sha256Hasher();
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      // node:stream is loaded here, not with the store: reading commands never stream a blob in
      const { pipeline } = require('node:stream/promises') as typeof import('node:stream/promises'); // eslint-disable-line @typescript-eslint/no-require-imports
      const { Writable } = require('node:stream') as typeof import('node:stream'); // eslint-disable-line @typescript-eslint/no-require-imports
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
