// The rootfs_holders table: who holds a container's root filesystem mounted
// (see src/container/rootfs-holders.ts for the rules).
import type { DB } from './db';

export class RootfsHolderTable {
  constructor(private readonly db: DB) {}

  add(containerId: string, holder: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO rootfs_holders (container_id, holder) VALUES (?, ?)')
      .run(containerId, holder);
  }

  remove(containerId: string, holder: string): void {
    this.db.prepare('DELETE FROM rootfs_holders WHERE container_id = ? AND holder = ?').run(containerId, holder);
  }

  /** Every hold of one container. */
  of(containerId: string): string[] {
    const rows = this.db.prepare('SELECT holder FROM rootfs_holders WHERE container_id = ?').all(containerId);
    return (rows as Array<{ holder: string }>).map((r) => r.holder);
  }

  all(): Array<{ containerId: string; holder: string }> {
    const rows = this.db.prepare('SELECT container_id, holder FROM rootfs_holders').all();
    return (rows as Array<{ container_id: string; holder: string }>).map((r) => ({
      containerId: r.container_id,
      holder: r.holder,
    }));
  }

  removeAll(containerId: string): void {
    this.db.prepare('DELETE FROM rootfs_holders WHERE container_id = ?').run(containerId);
  }
}
