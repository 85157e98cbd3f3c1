// A blob checked while it streams: hashed, counted against the size the
// manifest gives (more is refused at once, not after it has been stored), and
// its digest compared before its reader sees the end, so that an unpacking
// layer gets an error instead. When the reader gives up first (a corrupt
// archive), the rest is still read and hashed, up to the size, to tell a blob
// that is not the one promised (the registry's fault, said as such) from one
// that is but does not unpack. The hashing runs on the thread pool, beside the
// unpacking on the main thread.
import { PassThrough, type Readable } from 'node:stream';
import type { Digest } from '../digest';
import { invalidArgument } from '../errdefs';
import { PoolSha256 } from '../native/pool-sha256';

export interface VerifiedStream {
  /** the blob's bytes, ending in an error when they are not what was promised */
  stream: Readable;
  /** resolves once the whole blob was read and matches; rejects otherwise */
  verdict: Promise<void>;
  /** the reader stopped: the rest is read for the verdict only */
  abandon(): void;
}

export function verifiedStream(
  source: Readable,
  digest: Digest,
  size: number,
  onBytes?: (done: number) => void,
  what = 'filesystem layer',
): VerifiedStream {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const hash = new PoolSha256();
  let done = 0;
  let abandoned = false;
  // the source waits while its reader is full (unless it gave up) or the hashing lags
  let readerFull = false;
  let hashing = false;
  const resumeIfFree = () => {
    if (!hashing && (!readerFull || abandoned)) source.resume();
  };
  let settle!: (e?: Error) => void;
  const verdict = new Promise<void>((resolve, reject) => {
    settle = (e) => (e ? reject(e) : resolve());
  });
  verdict.catch(() => {}); // (read by the caller when it needs it)
  const fail = (e: Error) => {
    source.destroy();
    out.destroy(e);
    settle(e);
  };
  source.on('data', (chunk: Buffer) => {
    done += chunk.length;
    if (done > size) {
      fail(invalidArgument(`${what} ${digest} is larger than the ${size} bytes its manifest gives: refused`));
      return;
    }
    const lag = hash.update(chunk);
    onBytes?.(done);
    if (!abandoned && !out.write(chunk)) {
      readerFull = true;
      source.pause();
    }
    if (lag) {
      hashing = true;
      source.pause();
      void lag.then(() => {
        hashing = false;
        resumeIfFree();
      });
    }
  });
  out.on('drain', () => {
    readerFull = false;
    resumeIfFree();
  });
  out.on('error', () => {}); // (its reader sees it)
  // a reader that went away leaves the rest to be read for the verdict
  out.on('close', () => {
    abandoned = true;
    resumeIfFree();
  });
  source.on('end', () => {
    if (done !== size) {
      fail(invalidArgument(`${what} ${digest} ended after ${done} of the ${size} bytes its manifest gives`));
      return;
    }
    void hash.digest().then((got) => {
      if (got !== digest) {
        fail(invalidArgument(`${what} verification failed for digest ${digest}: the blob hashes to ${got}`));
        return;
      }
      out.end();
      settle();
    });
  });
  source.on('error', (e) => fail(e));
  return {
    stream: out,
    verdict,
    abandon() {
      abandoned = true;
      resumeIfFree();
    },
  };
}
