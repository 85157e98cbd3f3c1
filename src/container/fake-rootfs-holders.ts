// Root filesystem holds in memory, for services tested without overlayfs or
// root: a hold is counted and its directories made, and "mounted" means some
// hold is left (RootfsHolders mounts the overlay then).
import fs from 'node:fs';
import type { Digest } from '../digest';
import type { RootfsMounts } from './rootfs-holders';
import type { RootfsPaths } from './rootfs';

export class FakeRootfsHolders implements RootfsMounts {
  private readonly holds = new Map<string, Set<string>>();

  acquire(id: string, _top: Digest | null, paths: RootfsPaths, holder: string): void {
    // the directories mountRootfs makes, so that a start can write below merged
    for (const d of [paths.upper, paths.work, paths.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    const set = this.holds.get(id) ?? new Set<string>();
    set.add(holder);
    this.holds.set(id, set);
  }

  release(id: string, _paths: RootfsPaths, holder: string): void {
    const set = this.holds.get(id);
    set?.delete(holder);
    if (set?.size === 0) this.holds.delete(id);
  }

  drop(id: string): void {
    this.holds.delete(id);
  }

  /** Whether the container's root filesystem would be mounted: someone holds it. */
  mounted(id: string): boolean {
    return this.holds.has(id);
  }

  /** Who holds it, for tests that check a run took and gave back its hold. */
  holders(id: string): string[] {
    return [...(this.holds.get(id) ?? [])];
  }
}
