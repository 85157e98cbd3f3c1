// The host-wide table of test slots (src/network/test-slot.ts): which process
// holds which slot. A database of its own under /run, shared by every test run
// on the host whatever store it uses, and gone with the host's state at reboot.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { unavailable } from '../errdefs';

export interface SlotHolder {
  pid: number;
  start: string;
}

const file = (dir: string) => path.join(dir, 'slots.db');

/**
 * Takes the first of `count` slots that no live holder has (as `alive` judges
 * them) for `me`, under SQLite's write lock; throws when every slot is held.
 */
export function claimSlot(dir: string, count: number, me: SlotHolder, alive: (h: SlotHolder) => boolean): number {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new Database(file(dir), { timeout: 60_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE IF NOT EXISTS slots (slot INTEGER PRIMARY KEY, pid INTEGER NOT NULL, start TEXT NOT NULL)');
    return db
      .transaction(() => {
        const rows = db.prepare('SELECT slot, pid, start FROM slots').all() as Array<SlotHolder & { slot: number }>;
        const held = new Set(rows.filter((r) => alive(r)).map((r) => r.slot));
        for (let i = 0; i < count; i++) {
          if (held.has(i)) continue;
          db.prepare('INSERT OR REPLACE INTO slots (slot, pid, start) VALUES (?, ?, ?)').run(i, me.pid, me.start);
          return i;
        }
        throw unavailable(`all ${count} test network slots are held by live processes`);
      })
      .immediate();
  } finally {
    db.close();
  }
}

/** Gives a slot back, if `me` still holds it. */
export function releaseSlot(dir: string, index: number, me: SlotHolder): void {
  const db = new Database(file(dir), { timeout: 10_000 });
  try {
    db.prepare('DELETE FROM slots WHERE slot = ? AND pid = ? AND start = ?').run(index, me.pid, me.start);
  } finally {
    db.close();
  }
}
