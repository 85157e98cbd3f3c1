// Reading and hashing on a second core: load hashes a layer stored in an
// archive file on a worker thread while the main thread writes its files, and
// save re-reads and checks each layer there while the main thread copies it.
// (Bytes the main thread already holds are hashed on the thread pool instead:
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

type Request =
  | { op: 'verify'; id: number; layerDir: string; tarSplit: string; expect: string }
  | { op: 'range'; id: number; file: string; start: number; end: number };
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

/** Rebuilds a stored layer's tar on the worker and checks it against its diff ID. */
export async function verifyLayer(layerDir: string, tarSplit: string, expect: Digest): Promise<void> {
  const r = await request({ op: 'verify', id: nextId++, layerDir, tarSplit, expect });
  if (!r.ok) throw new StowageError(r.kind, r.error);
}

const { isMainThread, parentPort } = process.env.STOWAGE_HASH_WORKER
  ? threads()
  : { isMainThread: true, parentPort: null };
if (!isMainThread && parentPort) {
  const port = parentPort;
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches everything and replies with it
  port.on('message', async (m: Request) => {
    try {
      if (m.op === 'range') {
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
      } else {
        // required lazily: the worker needs only these two modules (on the main thread, the bundle holds them)
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
        const { rebuildTar } = require('./rebuild') as typeof import('./rebuild');
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
        const { parseTarSplit } = require('./tar-split') as typeof import('./tar-split');
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
        const fs = require('node:fs') as typeof import('node:fs');
        const segments = parseTarSplit(fs.readFileSync(m.tarSplit));
        for await (const _ of rebuildTar(m.layerDir, segments, m.expect as Digest, Buffer.allocUnsafe(1 << 20))) {
          // only the check matters: rebuildTar throws on a mismatch
        }
        port.postMessage({ id: m.id, ok: true } satisfies Reply);
      }
    } catch (e) {
      // the kind crosses the thread with the message; anything else failed inside the worker
      const kind = e instanceof StowageError ? e.kind : 'internal';
      port.postMessage({ id: m.id, ok: false, error: (e as Error).message, kind } satisfies Reply);
    }
  });
}
