// sha256 on libuv's thread pool (native/stowage.c), in order and without
// copying: the main thread only queues its buffers, which must not change until
// they are hashed (every stream feeding it allocates a buffer per chunk).
import type { Digest } from '../digest';
import { internal } from '../errdefs';
import { native } from './index';

/** Bytes queued past which update() asks its producer to wait (memory stays bounded). */
const MAX_PENDING = 16 << 20;

export class PoolSha256 {
  private readonly handle = native.sha256New();
  /** Bytes queued so far: a buffer queued when this was N is hashed once N bytes are. */
  queued = 0;

  /** Queues `b`; resolves at once unless the pool lags MAX_PENDING behind. */
  update(b: Buffer): void | Promise<void> {
    this.queued += b.length;
    if (native.sha256Update(this.handle, b) > MAX_PENDING) return this.waitFor(MAX_PENDING / 2);
  }

  /** Resolves once the first `n` bytes queued are hashed (their buffers may then be reused). */
  hashedThrough(n: number): Promise<void> {
    return this.waitFor(Math.max(0, this.queued - n));
  }

  async digest(): Promise<Digest> {
    await this.waitFor(0);
    return `sha256:${native.sha256Final(this.handle)}`;
  }

  private waitFor(atMost: number): Promise<void> {
    return new Promise((resolve) => native.sha256Wait(this.handle, atMost, resolve));
  }
}

/** sha256 of the bytes [start, end) of a file, read and hashed on the thread pool (a range of an archive). */
export async function sha256FileRange(file: string, start: number, end: number): Promise<Digest> {
  try {
    return `sha256:${await native.sha256FileRange(file, start, end)}`;
  } catch (e) {
    throw internal(`cannot hash ${file} [${start}, ${end}): ${(e as Error).message}`, e);
  }
}
