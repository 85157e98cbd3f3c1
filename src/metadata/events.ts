// The event log: Docker's events (type, action, actor, time), written by
// whichever process makes a change, so every front end (CLI, API, CRI) reads
// one history without a daemon. Only the newest rows are kept, as Docker keeps
// only its newest events in memory.
import type { DB } from './db';

export interface EventRow {
  seq: number;
  /** nanoseconds since the epoch */
  timeNano: bigint;
  type: string;
  action: string;
  actorId: string;
  attributes: Record<string, string>;
}

/** Rows kept: Docker keeps 256 events in memory; a store shared by many processes keeps more. */
const KEEP = 4096;

interface Row {
  // safeIntegers: SQLite's integers come back as bigint
  seq: number | bigint;
  time_nano: bigint | number;
  type: string;
  action: string;
  actor_id: string;
  attributes: string;
}

const toEvent = (r: Row): EventRow => ({
  seq: Number(r.seq),
  timeNano: BigInt(r.time_nano),
  type: r.type,
  action: r.action,
  actorId: r.actor_id,
  attributes: JSON.parse(r.attributes) as EventRow['attributes'],
});

export class EventStore {
  constructor(private readonly db: DB) {}

  append(e: Omit<EventRow, 'seq'>): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO events (time_nano, type, action, actor_id, attributes) VALUES (?, ?, ?, ?, ?)')
      .run(e.timeNano, e.type, e.action, e.actorId, JSON.stringify(e.attributes));
    const seq = Number(lastInsertRowid);
    if (seq % 256 === 0) this.db.prepare('DELETE FROM events WHERE seq <= ?').run(seq - KEEP);
    return seq;
  }

  /** Events after `afterSeq` whose time is in [since, until] (nanoseconds), oldest first. */
  list(opts: { afterSeq?: number; sinceNano?: bigint; untilNano?: bigint } = {}): EventRow[] {
    const rows = this.db
      .prepare('SELECT * FROM events WHERE seq > ? AND time_nano >= ? AND time_nano <= ? ORDER BY seq')
      .safeIntegers(true)
      .all(opts.afterSeq ?? 0, opts.sinceNano ?? 0n, opts.untilNano ?? 2n ** 62n) as Row[];
    return rows.map((r) => toEvent({ ...r, seq: Number(r.seq) }));
  }

  /** The newest event's sequence number (0 when there is none). */
  lastSeq(): number {
    const r = this.db.prepare('SELECT max(seq) AS s FROM events').get() as { s: number | null };
    return r.s ?? 0;
  }
}
