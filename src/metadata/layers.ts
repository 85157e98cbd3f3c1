// The layers and leases tables: one row per stored layer (by chain ID), and the
// leases that keep unreferenced layers alive while a process makes an image.
import type { Digest } from '../digest';
import type { DB } from './db';

export interface LayerRow {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | null;
  /** Sum of file sizes, as Docker reports a layer's size. */
  size: number;
  tarSize: number;
}

export interface LeaseRow {
  chainId: Digest;
  pid: number;
  start: string;
}

interface Row {
  chain_id: string;
  diff_id: string;
  parent: string | null;
  size: number;
  tar_size: number;
}

const toLayer = (r: Row): LayerRow => ({
  chainId: r.chain_id as Digest,
  diffId: r.diff_id as Digest,
  parent: r.parent as Digest | null,
  size: r.size,
  tarSize: r.tar_size,
});

export class LayerTable {
  constructor(private readonly db: DB) {}

  get(chainId: Digest): LayerRow | undefined {
    const r = this.db.prepare('SELECT * FROM layers WHERE chain_id = ?').get(chainId) as Row | undefined;
    return r && toLayer(r);
  }

  list(): LayerRow[] {
    return (this.db.prepare('SELECT * FROM layers').all() as Row[]).map(toLayer);
  }

  insert(l: LayerRow, createdAt: number): void {
    this.db
      .prepare('INSERT INTO layers (chain_id, diff_id, parent, size, tar_size, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(l.chainId, l.diffId, l.parent, l.size, l.tarSize, createdAt);
  }

  delete(chainId: Digest): void {
    this.db.prepare('DELETE FROM layers WHERE chain_id = ?').run(chainId);
  }

  /** Bytes of every stored layer's files. */
  totalSize(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM layers').get() as { n: number }).n;
  }

  leases(): LeaseRow[] {
    return (
      this.db.prepare('SELECT chain_id, pid, start FROM leases').all() as Array<{
        chain_id: string;
        pid: number;
        start: string;
      }>
    ).map((l) => ({ chainId: l.chain_id as Digest, pid: l.pid, start: l.start }));
  }

  addLease(l: LeaseRow): void {
    this.db
      .prepare('INSERT OR IGNORE INTO leases (chain_id, pid, start) VALUES (?, ?, ?)')
      .run(l.chainId, l.pid, l.start);
  }

  dropLease(l: LeaseRow): void {
    this.db.prepare('DELETE FROM leases WHERE chain_id = ? AND pid = ? AND start = ?').run(l.chainId, l.pid, l.start);
  }

  /** Drops every lease of one process. */
  dropLeasesOf(owner: { pid: number; start: string }): void {
    this.db.prepare('DELETE FROM leases WHERE pid = ? AND start = ?').run(owner.pid, owner.start);
  }
}
