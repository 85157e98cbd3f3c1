// One stowage store: the root (images, layers, containers, volumes, metadata)
// and the run root (live runtime state). Everything stowage writes lives here.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex, type Digest } from '../digest';
import type { BlobStore } from '../content/store';
import type { ImageStore } from '../image/store';
import type { LayerStore } from '../layer/store';
import { openDb, openVersionWatch, writeTx, type DB } from '../metadata/db';
import { isAlive, selfId } from '../util/proc';
import type { ImageStorage } from './storage';

export interface StoreOptions {
  root: string;
  runroot: string;
}

export { DEFAULT_ROOT, DEFAULT_RUNROOT } from './store-paths';

/** The store's SQLite database: it exists once the store does. */
export const storeDbPath = (root: string) => path.join(root, 'stowage.db');

export class Store implements ImageStorage {
  readonly root: string;
  readonly runroot: string;
  readonly db: DB;
  private readonly tmpRoot: string;
  private blobs_?: BlobStore;
  private images_?: ImageStore;
  private layers_?: LayerStore;
  private versionWatch?: ReturnType<typeof openVersionWatch>;

  constructor(opts: StoreOptions) {
    this.root = path.resolve(opts.root);
    this.runroot = path.resolve(opts.runroot);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.runroot, { recursive: true, mode: 0o700 });
    this.tmpRoot = path.join(this.root, 'tmp');
    fs.mkdirSync(this.tmpRoot, { recursive: true });
    this.db = openDb(storeDbPath(this.root));
  }

  // The blobs and image records are made on first use: reading containers (ps,
  // logs, port) needs neither, nor the native addon under the blob store.
  get blobs(): BlobStore {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see above
    this.blobs_ ??= new (require('../content/store') as typeof import('../content/store')).BlobStore(
      path.join(this.root, 'blobs'),
      () => this.tmpPath('blob'),
    );
    return this.blobs_;
  }

  get images(): ImageStore {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see above
    this.images_ ??= new (require('../image/store') as typeof import('../image/store')).ImageStore(this.db, this.blobs);
    return this.images_;
  }

  // The layer store (and the tar, overlay and hashing code under it) is loaded on
  // first use: `images`, `ps` or `inspect` never unpack or stack a layer.
  get layers(): LayerStore {
    if (!this.layers_) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see above
      const { LayerStore } = require('../layer/store') as typeof import('../layer/store');
      this.layers_ = new LayerStore(this.db, path.join(this.root, 'overlay'), (p) => this.tmpDir(p));
    }
    return this.layers_;
  }

  /** A fresh path in the store's temporary area, tagged with this process's identity. */
  tmpPath(prefix: string): string {
    const me = selfId();
    return path.join(this.tmpRoot, `${prefix}-${me.pid}-${me.start}-${randomHex(6)}`);
  }

  tmpDir(prefix: string): string {
    const p = this.tmpPath(prefix);
    fs.mkdirSync(p, { mode: 0o700 });
    return p;
  }

  /** Temporary files and directories of processes that are gone (killed mid-operation). */
  staleTmp(): string[] {
    return fs
      .readdirSync(this.tmpRoot)
      .filter((name) => {
        const m = /^[a-z-]+?-(\d+)-(\d+)-[0-9a-f]+/.exec(name);
        return !(m && isAlive({ pid: Number(m[1]), start: m[2] }));
      })
      .map((name) => path.join(this.tmpRoot, name));
  }

  /** Removes one of staleTmp()'s entries, unmounting what is mounted below it first (a killed build's overlay). */
  removeTmp(p: string): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mount code is loaded only for this clean-up
    const { hasMountsUnder, unmountUnder } = require('../container/rootfs') as typeof import('../container/rootfs');
    unmountUnder(p); // a killed build's overlay, a killed cp's view of a container
    if (hasMountsUnder(p)) return; // never remove through a mount: a container's files are there
    fs.rmSync(p, { recursive: true, force: true });
  }

  /** Removes temporary files of processes that are gone (killed mid-operation). */
  cleanTmp(): void {
    for (const p of this.staleTmp()) this.removeTmp(p);
  }

  /** Top layers images and containers use (containers keep theirs even when the image was removed with -f). */
  referencedTops(): Set<Digest> {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded for collection only */
    const { ContainerTable } = require('../metadata/containers') as typeof import('../metadata/containers');
    const { CriTable } = require('../metadata/cri') as typeof import('../metadata/cri');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const tops = new Set<Digest>();
    for (const img of this.images.list()) if (img.topLayer) tops.add(img.topLayer);
    for (const config of new ContainerTable(this.db).configs()) {
      const top = (JSON.parse(config) as { topLayer?: Digest }).topLayer;
      if (top) tops.add(top);
    }
    // and so do the pods and containers of the CRI (`system cri`)
    for (const top of CriTable.topLayers(this.db)) tops.add(top as Digest);
    return tops;
  }

  /** Runs fn in one write transaction (BEGIN IMMEDIATE) on the store's database. */
  writeTx<T>(fn: () => T): T {
    return writeTx(this.db, fn);
  }

  /** Collects layers nothing references any more; returns their chain IDs. */
  gc(): Digest[] {
    this.cleanTmp();
    return this.layers.gc(() => this.referencedTops());
  }

  /** Changes whenever anything commits to the store, in any process (this one too): see openVersionWatch. */
  dataVersion(): number {
    this.versionWatch ??= openVersionWatch(storeDbPath(this.root));
    return this.versionWatch.version();
  }

  close(): void {
    this.versionWatch?.close();
    this.db.close();
  }
}
