// The volumes table: a volume's name, creation time, labels and whether it is anonymous.
import type { DB } from './db';

export interface VolumeRow {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  anonymous: boolean;
}

interface Row {
  name: string;
  created_at: string;
  labels: string;
  anonymous: number;
}

const toRow = (r: Row): VolumeRow => ({
  name: r.name,
  createdAt: r.created_at,
  labels: JSON.parse(r.labels) as Record<string, string>,
  anonymous: r.anonymous === 1,
});

export class VolumeTable {
  constructor(private readonly db: DB) {}

  get(name: string): VolumeRow | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return r && toRow(r);
  }

  /** Every volume, by name. */
  list(): VolumeRow[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map(toRow);
  }

  insert(v: VolumeRow): void {
    this.db
      .prepare('INSERT INTO volumes (name, created_at, labels, anonymous) VALUES (?, ?, ?, ?)')
      .run(v.name, v.createdAt, JSON.stringify(v.labels), v.anonymous ? 1 : 0);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}
