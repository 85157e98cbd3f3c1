// sha256 on a second core. Hashing a 400 MB layer costs as much as writing it,
// so load hashes on a worker thread while the main thread writes files, and save
// re-reads and checks each layer on the worker while the main thread copies it.
// Chunks travel in SharedArrayBuffer batches: one copy, no transfer games.
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
  | { op: 'data'; id: number; sab: SharedArrayBuffer; len: number }
  | { op: 'digest'; id: number }
  | { op: 'verify'; id: number; layerDir: string; tarSplit: string; expect: string }
  | { op: 'range'; id: number; file: string; start: number; end: number };
type Reply =
  | { id: number; ok: true; digest?: string; acked?: number; sab?: SharedArrayBuffer }
  | { id: number; ok: false; error: string; kind: ErrorKind };

const BATCH = 1 << 20;
const MAX_IN_FLIGHT = 8 << 20;
// Batches come back to this pool once hashed, so memory stays at MAX_IN_FLIGHT.
const pool: SharedArrayBuffer[] = [];
const take = () => pool.pop() ?? new SharedArrayBuffer(BATCH);

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (r: Reply) => void }>();
const inFlight = new Map<number, number>();
const drained = new Map<number, () => void>();

function getWorker(): Worker {
  if (!worker) {
    // this module's own compiled file, also when the CLI runs from the bundle
    worker = new (threads().Worker)(path.join(REPO_ROOT, 'dist', 'src', 'layer', 'hash-worker.js'), {
      env: { ...process.env, STOWAGE_HASH_WORKER: '1' },
    });
    worker.unref();
    worker.on('message', (r: Reply) => {
      if (r.ok && r.acked !== undefined) {
        if (r.sab && pool.length < MAX_IN_FLIGHT / BATCH) pool.push(r.sab);
        const left = (inFlight.get(r.id) ?? 0) - r.acked;
        inFlight.set(r.id, left);
        if (left < MAX_IN_FLIGHT / 2) drained.get(r.id)?.();
        return;
      }
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

/** A sha256 whose work happens on the worker thread. */
export class ParallelHash {
  private readonly id = nextId++;
  private sab = take();
  private view = Buffer.from(this.sab);
  private used = 0;

  private flush(): void {
    if (this.used === 0) return;
    inFlight.set(this.id, (inFlight.get(this.id) ?? 0) + this.used);
    getWorker().postMessage({ op: 'data', id: this.id, sab: this.sab, len: this.used } satisfies Request);
    this.sab = take();
    this.view = Buffer.from(this.sab);
    this.used = 0;
  }

  /** Copies the bytes into the current batch; resolves at once unless the worker lags far behind. */
  update(b: Uint8Array): void | Promise<void> {
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, BATCH - this.used);
      this.view.set(b.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === BATCH) this.flush();
    }
    if ((inFlight.get(this.id) ?? 0) > MAX_IN_FLIGHT)
      return new Promise((r) =>
        drained.set(this.id, () => {
          drained.delete(this.id);
          r();
        }),
      );
  }

  async digest(): Promise<Digest> {
    this.flush();
    const r = await request({ op: 'digest', id: this.id });
    inFlight.delete(this.id);
    if (!r.ok) throw new StowageError(r.kind, r.error);
    return `sha256:${r.digest}`;
  }
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
  const hashes = new Map<number, ReturnType<typeof sha256Hasher>>();
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches everything and replies with it
  port.on('message', async (m: Request) => {
    try {
      if (m.op === 'data') {
        let h = hashes.get(m.id);
        if (!h) hashes.set(m.id, (h = sha256Hasher()));
        h.update(new Uint8Array(m.sab, 0, m.len));
        port.postMessage({ id: m.id, ok: true, acked: m.len, sab: m.sab } satisfies Reply);
      } else if (m.op === 'digest') {
        const h = hashes.get(m.id) ?? sha256Hasher();
        hashes.delete(m.id);
        port.postMessage({ id: m.id, ok: true, digest: h.digest('hex') } satisfies Reply);
      } else if (m.op === 'range') {
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
        for await (const _ of rebuildTar(m.layerDir, parseTarSplit(fs.readFileSync(m.tarSplit)), m.expect as Digest)) {
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
