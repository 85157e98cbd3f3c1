// Blobs in memory, for services tested without a store on disk (see blobs-contract.ts).
import { sha256, type Digest } from '../digest';
import { invalidArgument, notFound } from '../errdefs';
import type { Blobs } from './blobs';

export class FakeBlobs implements Blobs {
  private readonly blobs = new Map<Digest, Buffer>();

  has(d: Digest): boolean {
    return this.blobs.has(d);
  }

  get(d: Digest): Buffer {
    const b = this.blobs.get(d);
    if (!b) throw notFound(`blob ${d} not found`);
    return Buffer.from(b);
  }

  put(data: Buffer, expected?: Digest): Digest {
    const d = sha256(data);
    if (expected && d !== expected) throw invalidArgument(`digest mismatch: expected ${expected}, got ${d}`);
    if (!this.blobs.has(d)) this.blobs.set(d, Buffer.from(data));
    return d;
  }

  delete(d: Digest): void {
    this.blobs.delete(d);
  }
}
