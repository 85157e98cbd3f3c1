// Attachments in SQLite under <runroot>/network/state.db: the conflist and
// capability arguments used for ADD, each plugin's result as it came (so DEL
// works after a crash), and the host ports programmed: stowage's table of
// published ports. Writers take SQLite's write lock (BEGIN IMMEDIATE), which
// also serializes stowage processes creating networks and picking ports.
//
// A database of its own, not a table of stowage.db: it lives in the run root
// (a tmpfs) because what it describes (network namespaces, veths, iptables
// rules, CNI's IPAM reservations under /run) is gone after a reboot, and so
// must these rows be; in stowage.db they would outlive the host state and name
// namespaces and ports that no longer exist.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** One container on one network; JSON in the TEXT columns. */
export interface AttachmentRow {
  container_id: string;
  network_id: string;
  network_name: string;
  endpoint_id: string;
  ifname: string;
  netns: string;
  name: string;
  aliases: string;
  default_route: number;
  conflist: string;
  capability_args: string;
  ports: string;
  result: string | null;
  complete: number;
  owner_pid: number;
  owner_start: string;
  created_at: string;
}

const SCHEMA = [
  `CREATE TABLE attachments (
     container_id TEXT NOT NULL,
     network_id TEXT NOT NULL,
     network_name TEXT NOT NULL,
     endpoint_id TEXT NOT NULL,
     ifname TEXT NOT NULL,
     netns TEXT NOT NULL,
     name TEXT NOT NULL,
     aliases TEXT NOT NULL,
     default_route INTEGER NOT NULL,
     conflist TEXT NOT NULL,
     capability_args TEXT NOT NULL,
     ports TEXT NOT NULL,
     result TEXT,
     complete INTEGER NOT NULL DEFAULT 0,
     owner_pid INTEGER NOT NULL,
     owner_start TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (container_id, network_id)
   )`,
];

/** One promise at a time (a process's own calls, before SQLite's lock serializes processes). */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

export class StateDb {
  private readonly db: Database.Database;
  private readonly mutex = new Mutex();

  /** Opens (and creates or migrates) `<stateDir>/state.db`. */
  constructor(stateDir: string) {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.db = new Database(path.join(stateDir, 'state.db'), { timeout: 60_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA.length) {
      this.db
        .transaction(() => {
          const v = this.db.pragma('user_version', { simple: true }) as number;
          for (let i = v; i < SCHEMA.length; i++) this.db.exec(SCHEMA[i]);
          this.db.pragma(`user_version = ${SCHEMA.length}`);
        })
        .immediate();
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs a write holding this process's mutex. Every write goes through the mutex:
   * the connection is shared, and a write issued while another call holds an open
   * transaction would join (and maybe roll back with) that transaction.
   */
  locked<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.mutex.run(async () => fn());
  }

  /** Runs fn holding this process's mutex and SQLite's write lock. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.mutex.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn();
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  // --- reads --------------------------------------------------------------------

  /** A container's attachments, complete or not. */
  rowsOf(containerId: string): AttachmentRow[] {
    return this.db.prepare('SELECT * FROM attachments WHERE container_id = ?').all(containerId) as AttachmentRow[];
  }

  /** A container's completed attachments, in the order it joined the networks. */
  completeRowsOf(containerId: string): AttachmentRow[] {
    return this.db
      .prepare('SELECT * FROM attachments WHERE container_id = ? AND complete = 1 ORDER BY ifname')
      .all(containerId) as AttachmentRow[];
  }

  /** Completed attachments to a network (by ID or name), oldest first. */
  completeRowsOn(network: string): AttachmentRow[] {
    return this.db
      .prepare(
        'SELECT * FROM attachments WHERE (network_id = ? OR network_name = ?) AND complete = 1 ORDER BY created_at',
      )
      .all(network, network) as AttachmentRow[];
  }

  /** Every attachment, oldest first. */
  allRows(): AttachmentRow[] {
    return this.db.prepare('SELECT * FROM attachments ORDER BY created_at').all() as AttachmentRow[];
  }

  /** The `ports` column of every attachment. */
  allPorts(): string[] {
    return (this.db.prepare('SELECT ports FROM attachments').all() as Array<{ ports: string }>).map((r) => r.ports);
  }

  /** Attachments to one network, or to any. */
  count(networkId?: string): number {
    const n =
      networkId === undefined
        ? (this.db.prepare('SELECT count(*) AS n FROM attachments').get() as { n: number })
        : (this.db.prepare('SELECT count(*) AS n FROM attachments WHERE network_id = ?').get(networkId) as {
            n: number;
          });
    return n.n;
  }

  // --- writes (callers hold the mutex: locked() or exclusive()) ------------------

  insert(row: AttachmentRow): void {
    this.db
      .prepare(
        `INSERT INTO attachments VALUES (@container_id, @network_id, @network_name, @endpoint_id, @ifname, @netns, @name,
           @aliases, @default_route, @conflist, @capability_args, @ports, @result, @complete, @owner_pid, @owner_start, @created_at)`,
      )
      .run(row);
  }

  /** Stores a partial result of ADD (each plugin's, as it comes). */
  setResult(containerId: string, networkId: string, result: string): void {
    this.db
      .prepare('UPDATE attachments SET result = ? WHERE container_id = ? AND network_id = ?')
      .run(result, containerId, networkId);
  }

  /** Stores ADD's final result and marks the attachment complete. */
  setComplete(containerId: string, networkId: string, result: string): void {
    this.db
      .prepare('UPDATE attachments SET result = ?, complete = 1 WHERE container_id = ? AND network_id = ?')
      .run(result, containerId, networkId);
  }

  /** Forgets ADD's result, as a process killed in the middle of an ADD leaves the row (tests of recovery). */
  forgetResult(containerId: string, networkId: string): void {
    this.db
      .prepare('UPDATE attachments SET result = NULL, complete = 0 WHERE container_id = ? AND network_id = ?')
      .run(containerId, networkId);
  }

  delete(containerId: string, networkId: string): void {
    this.db.prepare('DELETE FROM attachments WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
  }
}
