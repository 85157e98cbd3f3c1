// Read-only layers: one directory per chain ID holding the unpacked content
// (`diff/`, an overlayfs lower dir), its tar-split, and a short link for mount
// options. A layer shared by several images is stored once.
import fs from 'node:fs';
import path from 'node:path';
import { chainIds, hex, sha256, type Digest } from '../digest';
import { invalidArgument, notFound } from '../errdefs';
import { type DB, writeTx } from '../metadata/db';
import { LayerTable } from '../metadata/layers';
import { native } from '../native';
import { isAlive, selfId } from '../util/proc';
import type { ApplyResult } from './apply';
import type { Segment } from './tar-split';
import { syncDir, syncFilesystemOf } from '../native/durable';
import type { LayerInfo, Layers } from './layers';

export type { LayerInfo } from './layers';

// The unpacking, hashing and tar code (and node:zlib, the stream modules under it)
// is loaded on first use: reading the table (`inspect`'s GraphDriver) does not need it.
/* eslint-disable @typescript-eslint/no-require-imports */
const apply = () => require('./apply') as typeof import('./apply');
const poolSha256 = () => require('../native/pool-sha256') as typeof import('../native/pool-sha256');
const rebuild = () => require('./rebuild') as typeof import('./rebuild');
const tarSplit = () => require('./tar-split') as typeof import('./tar-split');
/* eslint-enable @typescript-eslint/no-require-imports */

/** A layer unpacked in the store's temporary area, not yet adopted. */
export interface UnpackedLayer extends ApplyResult {
  dir: string;
}

/** The diff ID of a layer unpacked by unpackRange until its hash is done (no digest has this form). */
const UNHASHED = 'sha256:unhashed' as Digest;

// Layers at least this big are hashed on libuv's thread pool while being written.
const PARALLEL_HASH_MIN = 16 << 20;

// Temporary areas already given the top-directory flag by this process.
const markedTopDirs = new Set<string>();

// Short link names keep overlay's lowerdir option under a page for 125+ layers.
const SHORT = 20;

export class LayerStore implements Layers {
  private readonly rows: LayerTable;

  constructor(
    private readonly db: DB,
    private readonly dir: string,
    private readonly tmpDir: (prefix: string) => string,
  ) {
    this.rows = new LayerTable(db);
    fs.mkdirSync(path.join(dir, 'l'), { recursive: true, mode: 0o700 });
  }

  layerDir(chainId: Digest): string {
    return path.join(this.dir, hex(chainId));
  }

  diffDir(chainId: Digest): string {
    return path.join(this.layerDir(chainId), 'diff');
  }

  /** The overlay lowerdir form relative to the layers directory: l/<short>. */
  shortLink(chainId: Digest): string {
    return `l/${hex(chainId).slice(0, SHORT)}`;
  }

  get root(): string {
    return this.dir;
  }

  get(chainId: Digest): LayerInfo | undefined {
    return this.rows.get(chainId);
  }

  mustGet(chainId: Digest): LayerInfo {
    const l = this.get(chainId);
    if (!l) throw notFound(`layer ${chainId} does not exist`);
    return l;
  }

  /** The chain of layers from the bottom up to chainId. */
  stack(top: Digest | null): LayerInfo[] {
    const out: LayerInfo[] = [];
    for (let c = top; c;) {
      const l = this.mustGet(c);
      out.unshift(l);
      c = l.parent;
    }
    return out;
  }

  tarSplitPath(chainId: Digest): string {
    return path.join(this.layerDir(chainId), 'tar-split.gz');
  }

  tarSplit(chainId: Digest): Segment[] {
    return tarSplit().parseTarSplit(fs.readFileSync(this.tarSplitPath(chainId)));
  }

  /** Takes a lease on an existing layer so a concurrent GC keeps it; true if it exists. */
  lease(chainId: Digest): boolean {
    return writeTx(this.db, () => {
      if (!this.get(chainId)) return false;
      this.rows.addLease({ chainId, ...selfId() });
      return true;
    });
  }

  /** Every layer record. */
  list(): LayerInfo[] {
    return this.rows.list();
  }

  /** Every lease: the layer and the process (pid + start time) holding it. */
  leases(): Array<{ chainId: Digest; pid: number; start: string }> {
    return this.rows.leases();
  }

  dropLease(l: { chainId: Digest; pid: number; start: string }): void {
    this.rows.dropLease(l);
  }

  /** Bytes of every stored layer's files. */
  totalSize(): number {
    return this.rows.totalSize();
  }

  /** The name of a layer's short link under l/ (the overlay lowerdir form is l/<name>). */
  shortName(chainId: Digest): string {
    return hex(chainId).slice(0, SHORT);
  }

  /** Drops this process's leases (once an image references its layers, or on failure). */
  releaseLeases(): void {
    this.rows.dropLeasesOf(selfId());
  }

  /**
   * A private directory for unpacking a layer. Its parent (the store's temporary
   * area) carries ext4's top-directory flag, so each layer gets a block group of
   * its own, away from the inodes of layers deleted in the last minutes, which
   * ext4 without a journal skips one by one before allocating (see markTopDir).
   */
  private unpackDir(): string {
    const dir = this.tmpDir('layer');
    const parent = path.dirname(dir);
    if (!markedTopDirs.has(parent)) {
      markedTopDirs.add(parent);
      native.markTopDir(parent);
    }
    return dir;
  }

  /** Unpacks a layer tar into a private temporary directory (not yet in the store). */
  async unpack(source: AsyncIterable<Buffer>, sizeHint = 0): Promise<UnpackedLayer> {
    const dir = this.unpackDir();
    try {
      return { dir, ...(await apply().applyTar(source, dir, { parallelHash: sizeHint >= PARALLEL_HASH_MIN })) };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Unpacks the uncompressed layer tar stored at [start, end) of `file` (open as
   * fd), its bodies copied in the kernel, and returns once the files are written;
   * the diff ID, hashed from the same range on the thread pool meanwhile, is set
   * in the layer when `hashed` resolves (so that the next layer can be unpacked
   * while the hash of this one finishes).
   */
  async unpackRange(
    file: string,
    fd: number,
    start: number,
    end: number,
  ): Promise<{ unpacked: UnpackedLayer; hashed: Promise<void> }> {
    const dir = this.unpackDir();
    const digest = poolSha256().sha256FileRange(file, start, end);
    digest.catch(() => {}); // awaited through `hashed`
    try {
      const unpacked: UnpackedLayer = { dir, diffId: UNHASHED, ...(await apply().applyTarRange(fd, start, end, dir)) };
      return {
        unpacked,
        hashed: digest.then((d) => {
          unpacked.diffId = d;
        }),
      };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** A second private copy of an unpacked layer (a layer repeated at another place in a chain). */
  async copyUnpacked(u: UnpackedLayer): Promise<UnpackedLayer> {
    return this.unpack(rebuild().rebuildTar(u.dir, tarSplit().parseTarSplit(u.tarSplit)));
  }

  discard(u: UnpackedLayer): void {
    fs.rmSync(u.dir, { recursive: true, force: true });
  }

  /**
   * Moves an unpacked layer into the store on top of `parent`, or reuses the
   * stored one with the same chain ID. The layer is leased to this process.
   */
  adopt(u: UnpackedLayer, parent: Digest | null): LayerInfo {
    const chainId = parent ? sha256(`${parent} ${u.diffId}`) : u.diffId;
    try {
      const existing = this.lease(chainId) ? this.get(chainId) : undefined;
      if (existing) return existing;
      fs.writeFileSync(path.join(u.dir, 'tar-split.gz'), u.tarSplit);
      const size = u.size ?? apply().diffSize(path.join(u.dir, 'diff'));
      syncFilesystemOf(u.dir); // the layer's files and tar-split reach the disk before its row names them
      return writeTx(this.db, () => {
        this.rows.addLease({ chainId, ...selfId() });
        const raced = this.get(chainId);
        if (raced) return raced;
        const final = this.layerDir(chainId);
        fs.rmSync(final, { recursive: true, force: true }); // an orphan of a killed process
        fs.renameSync(u.dir, final);
        const link = path.join(this.dir, this.shortLink(chainId));
        fs.rmSync(link, { force: true });
        fs.symlinkSync(`../${hex(chainId)}/diff`, link);
        syncDir(this.dir); // the rename
        syncDir(path.dirname(link)); // the short link
        const layer = { chainId, diffId: u.diffId, parent, size, tarSize: u.tarSize };
        this.rows.insert(layer, Date.now());
        return layer;
      });
    } finally {
      this.discard(u);
    }
  }

  /** Unpacks and adopts in one step; with `expectedDiffId` the stream must hash to it. */
  async register(
    source: AsyncIterable<Buffer>,
    parent: Digest | null,
    opts: { expectedDiffId?: Digest; sizeHint?: number } = {},
  ): Promise<LayerInfo> {
    const { expectedDiffId, sizeHint } = opts;
    const u = await this.unpack(source, sizeHint);
    if (expectedDiffId && u.diffId !== expectedDiffId) {
      this.discard(u);
      throw invalidArgument(`invalid diffID: calculated ${u.diffId}, expected ${expectedDiffId}`);
    }
    return this.adopt(u, parent);
  }

  /** The layer's tar stream, rebuilt byte for byte and checked against its diff ID. */
  openTar(chainId: Digest): AsyncGenerator<Buffer> {
    const l = this.mustGet(chainId);
    return rebuild().rebuildTar(this.layerDir(chainId), this.tarSplit(chainId), l.diffId);
  }

  /**
   * Removes layers that no image or container references and no live process
   * leases, and directories left behind by killed processes. `referencedTops`
   * is read inside the same write transaction, so no new image slips past.
   */
  gc(referencedTops: () => Iterable<Digest>): Digest[] {
    return writeTx(this.db, () => {
      const keep = new Set<string>();
      for (const l of this.rows.leases()) {
        if (isAlive({ pid: l.pid, start: l.start })) keep.add(l.chainId);
        else this.rows.dropLease(l);
      }
      const rows = this.rows.list();
      const parentOf = new Map<string, string | null>(rows.map((r) => [r.chainId, r.parent]));
      const live = new Set<string>();
      const mark = (c: string | null | undefined) => {
        for (; c && !live.has(c); c = parentOf.get(c)) live.add(c);
      };
      for (const t of referencedTops()) mark(t);
      for (const k of keep) mark(k);
      const removed: Digest[] = [];
      for (const r of rows) {
        if (live.has(r.chainId)) continue;
        this.rows.delete(r.chainId);
        removed.push(r.chainId);
      }
      for (const c of removed) this.removeFiles(c);
      // directories with no row: left by a process killed between rename and commit
      const known = new Set(rows.filter((r) => live.has(r.chainId)).map((r) => hex(r.chainId)));
      for (const name of fs.readdirSync(this.dir)) {
        if (name !== 'l' && !known.has(name)) fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
      }
      const knownShort = new Set([...known].map((k) => k.slice(0, SHORT)));
      for (const name of fs.readdirSync(path.join(this.dir, 'l'))) {
        if (!knownShort.has(name)) fs.rmSync(path.join(this.dir, 'l', name), { force: true });
      }
      return removed;
    });
  }

  private removeFiles(chainId: Digest): void {
    fs.rmSync(path.join(this.dir, this.shortLink(chainId)), { force: true });
    fs.rmSync(this.layerDir(chainId), { recursive: true, force: true });
  }

  static chainOf(diffIds: Digest[]): Digest | null {
    const c = chainIds(diffIds);
    return c.length ? c[c.length - 1] : null;
  }
}
