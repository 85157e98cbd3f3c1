// A container's root filesystem is mounted once and shared: by its run, and by
// commands that read it meanwhile (cp, export), possibly in other processes.
// Each takes a hold; the last one out unmounts. Without this, a run's exit would
// unmount the tree under an export still reading it, and an export would unmount
// a tree a start had just found mounted. Holds change under the database's write
// lock, together with the mount itself, so a check and its mount never interleave.
import type { Digest } from '../digest';
import type { LayerStore } from '../layer/store';
import { writeTx, type DB } from '../metadata/db';
import { RootfsHolderTable } from '../metadata/rootfs-holders';
import { isAlive, selfId } from '../util/proc';
import { mountRootfs, unmountRootfs, type RootfsPaths } from './rootfs';

export function runHolder(runId: string): string {
  return `run:${runId}`;
}

let holds = 0;
/** A new hold of this process (a hold of a killed process is ignored). */
export function processHolder(): string {
  const me = selfId();
  return `pid:${me.pid}:${me.start}:${++holds}`;
}

/** A hold of a process that is gone. */
export function stale(holder: string): boolean {
  const m = /^pid:(\d+):(\d+):/.exec(holder);
  return !!m && !isAlive({ pid: Number(m[1]), start: m[2] });
}

/**
 * What a container's runs need of its root filesystem: holds taken and dropped,
 * mounted while any is left. RootfsHolders mounts overlayfs; FakeRootfsHolders
 * (fake-rootfs-holders.ts) only counts.
 */
export interface RootfsMounts {
  /** Takes a hold on a container's root filesystem, mounting it if nobody has. */
  acquire(id: string, top: Digest | null, paths: RootfsPaths, holder: string): void;
  /** Drops a hold (again: nothing happens); unmounts when no live hold is left. */
  release(id: string, paths: RootfsPaths, holder: string): void;
  /** The container goes away: every hold with it. */
  drop(id: string, paths: RootfsPaths): void;
}

export class RootfsHolders implements RootfsMounts {
  private readonly rows: RootfsHolderTable;

  constructor(
    private readonly db: DB,
    private readonly layers: LayerStore,
  ) {
    this.rows = new RootfsHolderTable(db);
  }

  /** Takes a hold on a container's root filesystem, mounting it if nobody has. */
  acquire(id: string, top: Digest | null, paths: RootfsPaths, holder: string): void {
    writeTx(this.db, () => {
      this.rows.add(id, holder);
      mountRootfs(this.layers, top, paths);
    });
  }

  /** Drops a hold (again: nothing happens); unmounts when no live hold is left. */
  release(id: string, paths: RootfsPaths, holder: string): void {
    writeTx(this.db, () => {
      this.rows.remove(id, holder);
      const rest = this.rows.of(id);
      for (const h of rest.filter(stale)) this.rows.remove(id, h);
      if (rest.every(stale)) unmountRootfs(paths);
    });
  }

  /** Every hold: `system check` looks for those of dead processes and stopped runs. */
  all(): Array<{ containerId: string; holder: string }> {
    return this.rows.all();
  }

  /** Drops one hold without touching the mount (`system check --repair`). */
  forget(containerId: string, holder: string): void {
    this.rows.remove(containerId, holder);
  }

  /** The container goes away: every hold with it. */
  drop(id: string, paths: RootfsPaths): void {
    writeTx(this.db, () => {
      this.rows.removeAll(id);
      unmountRootfs(paths);
    });
  }

  /** Runs fn with the root filesystem mounted, held by this process. */
  async with<T>(id: string, top: Digest | null, paths: RootfsPaths, fn: () => Promise<T>): Promise<T> {
    const holder = processHolder();
    this.acquire(id, top, paths, holder);
    try {
      return await fn();
    } finally {
      this.release(id, paths, holder);
    }
  }
}
