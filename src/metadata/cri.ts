// The cri_sandboxes and cri_containers tables (`system cri`): each row holds a
// record and a state as JSON text, whose shapes belong to src/cri/store.ts.
import type { DB } from './db';

export type CriTableName = 'cri_sandboxes' | 'cri_containers';

export interface CriRow {
  id: string;
  name: string;
  /** only for cri_containers */
  sandboxId?: string;
  topLayer: string | null;
  record: string;
  state: string;
}

interface Row {
  id: string;
  name: string;
  sandbox_id?: string;
  top_layer: string | null;
  record: string;
  state: string;
}

const toRow = (r: Row): CriRow => ({
  id: r.id,
  name: r.name,
  sandboxId: r.sandbox_id,
  topLayer: r.top_layer,
  record: r.record,
  state: r.state,
});

export class CriTable {
  constructor(
    private readonly db: DB,
    private readonly table: CriTableName,
  ) {}

  get(id: string): CriRow | undefined {
    const r = this.db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(id) as Row | undefined;
    return r && toRow(r);
  }

  /** The ID holding a name, if any. */
  idOfName(name: string): string | undefined {
    const r = this.db.prepare(`SELECT id FROM ${this.table} WHERE name = ?`).get(name) as { id: string } | undefined;
    return r?.id;
  }

  /** Every row, or (cri_containers) those of one sandbox. */
  list(sandboxId?: string): CriRow[] {
    const rows =
      sandboxId === undefined
        ? this.db.prepare(`SELECT * FROM ${this.table}`).all()
        : this.db.prepare(`SELECT * FROM ${this.table} WHERE sandbox_id = ?`).all(sandboxId);
    return (rows as Row[]).map(toRow);
  }

  insert(r: CriRow): void {
    if (this.table === 'cri_containers')
      this.db
        .prepare(
          'INSERT INTO cri_containers (id, sandbox_id, name, top_layer, record, state) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(r.id, r.sandboxId, r.name, r.topLayer, r.record, r.state);
    else
      this.db
        .prepare('INSERT INTO cri_sandboxes (id, name, top_layer, record, state) VALUES (?, ?, ?, ?, ?)')
        .run(r.id, r.name, r.topLayer, r.record, r.state);
  }

  setState(id: string, state: string): void {
    this.db.prepare(`UPDATE ${this.table} SET state = ? WHERE id = ?`).run(state, id);
  }

  setRecord(id: string, record: string): void {
    this.db.prepare(`UPDATE ${this.table} SET record = ? WHERE id = ?`).run(record, id);
  }

  delete(id: string): void {
    this.db.prepare(`DELETE FROM ${this.table} WHERE id = ?`).run(id);
  }

  idsWithPrefix(prefix: string): string[] {
    const rows = this.db.prepare(`SELECT id FROM ${this.table} WHERE substr(id, 1, ?) = ?`).all(prefix.length, prefix);
    return (rows as Array<{ id: string }>).map((r) => r.id);
  }

  /** Top layers the pods and containers of the CRI use (both tables). */
  static topLayers(db: DB): string[] {
    const rows = db.prepare('SELECT top_layer FROM cri_containers UNION SELECT top_layer FROM cri_sandboxes').all();
    return (rows as Array<{ top_layer: string | null }>).flatMap((r) => (r.top_layer ? [r.top_layer] : []));
  }
}
