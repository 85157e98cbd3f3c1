// The containers table (and removed_exits): one row per container, its record
// and state as JSON text. The JSON's shape belongs to src/container/; only the
// exec_targets view (db.ts) looks inside it, for the C front end.
import type { DB } from './db';

export interface ContainerRow {
  id: string;
  name: string;
  imageId: string;
  createdAt: string;
  /** the record (ContainerRecord) as JSON */
  config: string;
  /** the state (ContainerState) as JSON */
  state: string;
}

interface Row {
  id: string;
  name: string;
  image_id: string;
  created_at: string;
  config: string;
  state: string;
}

const toRow = (r: Row): ContainerRow => ({
  id: r.id,
  name: r.name,
  imageId: r.image_id,
  createdAt: r.created_at,
  config: r.config,
  state: r.state,
});

export class ContainerTable {
  constructor(private readonly db: DB) {}

  /** Every container, newest first. */
  list(): ContainerRow[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created_at DESC').all() as Row[]).map(toRow);
  }

  get(id: string): ContainerRow | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r && toRow(r);
  }

  byName(name: string): ContainerRow | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE name = ?').get(name) as Row | undefined;
    return r && toRow(r);
  }

  byIdPrefix(prefix: string): ContainerRow[] {
    const rows = this.db.prepare('SELECT * FROM containers WHERE substr(id, 1, ?) = ?').all(prefix.length, prefix);
    return (rows as Row[]).map(toRow);
  }

  byImage(imageId: string): ContainerRow[] {
    return (this.db.prepare('SELECT * FROM containers WHERE image_id = ?').all(imageId) as Row[]).map(toRow);
  }

  /** Every container's record (JSON). */
  configs(): string[] {
    return (this.db.prepare('SELECT config FROM containers').all() as Array<{ config: string }>).map((r) => r.config);
  }

  insert(r: ContainerRow): void {
    this.db
      .prepare('INSERT INTO containers (id, name, image_id, created_at, config, state) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.id, r.name, r.imageId, r.createdAt, r.config, r.state);
  }

  rename(id: string, name: string, config: string): void {
    this.db.prepare('UPDATE containers SET name = ?, config = ? WHERE id = ?').run(name, config, id);
  }

  setConfig(id: string, config: string): void {
    this.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(config, id);
  }

  setState(id: string, state: string): void {
    this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(state, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  // ---- removed_exits: exit codes of auto-removed containers, for a late `wait` ----

  /** Keeps an exit code, dropping those removed before `expireBefore` (ms since the epoch). */
  keepExitCode(id: string, code: number, now: number, expireBefore: number): void {
    this.db.prepare('DELETE FROM removed_exits WHERE removed_at < ?').run(expireBefore);
    this.db
      .prepare('INSERT OR REPLACE INTO removed_exits (id, exit_code, removed_at) VALUES (?, ?, ?)')
      .run(id, code, now);
  }

  removedExitCode(id: string): number | undefined {
    const r = this.db.prepare('SELECT exit_code FROM removed_exits WHERE id = ?').get(id);
    return (r as { exit_code: number } | undefined)?.exit_code;
  }
}
