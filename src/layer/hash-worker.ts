// Reading and hashing on a second core: load hashes a layer stored in an
// archive file on a worker thread while the main thread writes its files.
// (Bytes the main thread reads itself are hashed on the thread pool instead:
// native/pool-sha256.ts.)
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
// loaded when a hash is first sent to the worker
const threads = (): typeof import('node:worker_threads') =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- (see above)
  require('node:worker_threads') as typeof import('node:worker_threads');
import { REPO_ROOT } from '../util/paths';
import { sha256Hasher, type Digest } from '../digest';
import { internal, StowageError, type ErrorKind } from '../errdefs';

type Request = { op: 'range'; id: number; file: string; start: number; end: number };
type Reply = { id: number; ok: true; digest?: string } | { id: number; ok: false; error: string; kind: ErrorKind };

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (r: Reply) => void }>();

function getWorker(): Worker {
  if (!worker) {
    // this module's own compiled file, also when the CLI runs from the bundle
    worker = new (threads().Worker)(path.join(REPO_ROOT, 'dist', 'src', 'layer', 'hash-worker.js'), {
      env: { ...process.env, STOWAGE_HASH_WORKER: '1' },
    });
    worker.unref();
    worker.on('message', (r: Reply) => {
      const w = waiting.get(r.id);
      waiting.delete(r.id);
      w?.resolve(r);
    });
  }
  return worker;
}

function request(msg: Request): Promise<Reply> {
  return new Promise((resolve) => {
    waiting.set(msg.id, { resolve });
    getWorker().postMessage(msg);
  });
}

/** sha256 of the bytes [start, end) of a file, read and hashed on the worker. */
export async function hashFileRange(file: string, start: number, end: number): Promise<Digest> {
  const r = await request({ op: 'range', id: nextId++, file, start, end });
  if (!r.ok) throw new StowageError(r.kind, r.error);
  return `sha256:${r.digest}`;
}

const { isMainThread, parentPort } = process.env.STOWAGE_HASH_WORKER
  ? threads()
  : { isMainThread: true, parentPort: null };
if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (m: Request) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the worker thread only
      const fs = require('node:fs') as typeof import('node:fs');
      const h = sha256Hasher();
      const fd = fs.openSync(m.file, 'r');
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (let pos = m.start; pos < m.end;) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, m.end - pos), pos);
          if (n === 0) throw internal('unexpected EOF');
          h.update(buf.subarray(0, n));
          pos += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      port.postMessage({ id: m.id, ok: true, digest: h.digest('hex') } satisfies Reply);
    } catch (e) {
      // the kind crosses the thread with the message; anything else failed inside the worker
      const kind = e instanceof StowageError ? e.kind : 'internal';
      port.postMessage({ id: m.id, ok: false, error: (e as Error).message, kind } satisfies Reply);
    }
  });
}
