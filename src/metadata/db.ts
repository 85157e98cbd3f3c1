// The metadata database: images, tags, layers, containers, volumes in SQLite.
// WAL mode and a busy timeout let several stowage processes share it; writers
// use BEGIN IMMEDIATE so check-then-act sequences are atomic. Every SQL
// statement of stowage lives in src/metadata/ (one module per table group);
// stores above it never see SQL.
import Database from 'better-sqlite3';

export type DB = Database.Database;

/**
 * The schema as migrations: entry i takes a store from user_version i to i + 1.
 * Entries are only ever appended (a store made by any earlier stowage opens and
 * migrates); a change to an existing table is a new entry (ALTER, or a new table
 * and a copy), never an edit of an old one.
 */
export const SCHEMA: readonly string[] = [
  `CREATE TABLE layers (
     chain_id TEXT PRIMARY KEY,
     diff_id TEXT NOT NULL,
     parent TEXT,
     size INTEGER NOT NULL,
     tar_size INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  // A lease keeps unreferenced layers alive while the process making an image runs.
  `CREATE TABLE leases (
     chain_id TEXT NOT NULL,
     pid INTEGER NOT NULL,
     start TEXT NOT NULL,
     PRIMARY KEY (chain_id, pid, start)
   )`,
  `CREATE TABLE images (
     id TEXT PRIMARY KEY,
     top_layer TEXT,
     parent TEXT,
     size INTEGER NOT NULL,
     added_at INTEGER NOT NULL,
     last_tag_time TEXT
   )`,
  `CREATE TABLE tags (
     name TEXT PRIMARY KEY,
     image_id TEXT NOT NULL REFERENCES images(id),
     is_digest INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE INDEX tags_image ON tags(image_id)`,
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     image_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     config TEXT NOT NULL,
     state TEXT NOT NULL
   )`,
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     labels TEXT NOT NULL,
     anonymous INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE networks (
     name TEXT PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     config TEXT NOT NULL
   )`,
  // Who holds a container's root filesystem mounted: its run ("run:RUNID") or a
  // command reading it ("pid:PID:START"); the last one out unmounts it.
  `CREATE TABLE rootfs_holders (
     container_id TEXT NOT NULL,
     holder TEXT NOT NULL,
     PRIMARY KEY (container_id, holder)
   )`,
  // The compressed blobs known for a layer (pulled, or pushed once): push checks these
  // with the registry before compressing the layer again.
  `CREATE TABLE layer_blobs (
     diff_id TEXT NOT NULL,
     digest TEXT NOT NULL,
     size INTEGER NOT NULL,
     media_type TEXT NOT NULL,
     PRIMARY KEY (diff_id, digest)
   )`,
  // The exit code of a container removed as it exited (--rm), for a `wait` that
  // comes to read it after the container is gone (kept a few minutes).
  `CREATE TABLE removed_exits (
     id TEXT PRIMARY KEY,
     exit_code INTEGER NOT NULL,
     removed_at INTEGER NOT NULL
   )`,
  // Docker's events, recorded by the process that made the change (see events.ts).
  `CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     time_nano INTEGER NOT NULL,
     type TEXT NOT NULL,
     action TEXT NOT NULL,
     actor_id TEXT NOT NULL,
     attributes TEXT NOT NULL
   )`,
  // Repositories known to hold a blob (pulled from, or pushed to): a push to another
  // repository of the same registry asks it to mount the blob from there.
  `CREATE TABLE blob_sources (
     digest TEXT NOT NULL,
     repository TEXT NOT NULL,
     PRIMARY KEY (digest, repository)
   )`,
  // Kubernetes CRI pod sandboxes and their containers (`system cri`, src/cri/store.ts):
  // the configuration the kubelet sent and what became of it, as JSON.
  `CREATE TABLE cri_sandboxes (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     top_layer TEXT,
     record TEXT NOT NULL,
     state TEXT NOT NULL
   )`,
  `CREATE TABLE cri_containers (
     id TEXT PRIMARY KEY,
     sandbox_id TEXT NOT NULL,
     name TEXT NOT NULL UNIQUE,
     top_layer TEXT,
     record TEXT NOT NULL,
     state TEXT NOT NULL
   )`,
  // 14: networks live in JSON files (src/network/networks.ts); this table was never read.
  `DROP TABLE networks`,
  // 15: what the C front end (native/launcher.c) reads to run `exec` without Node.js:
  // the JSON shape of a container's record stays here, not in the C code.
  `CREATE VIEW exec_targets AS
     SELECT id, name,
            coalesce(json_extract(config, '$.hostConfig.Runtime'), '') AS runtime,
            coalesce(json_extract(state, '$.Status'), '') AS status,
            coalesce(json_extract(config, '$.hostConfig.UsernsMode'), '') = 'keep-id' AS keep_id
     FROM containers`,
  // 16: what the container keeper (native/keeper.c) reads: the run and health of a
  // container, and what its events name (labels, image, name).
  `CREATE VIEW container_health AS
     SELECT id, name,
            json_extract(state, '$.RunId') AS run_id,
            json_extract(state, '$.Status') AS status,
            coalesce(json_extract(state, '$.Health.Status'), 'starting') AS health_status,
            coalesce(json_extract(state, '$.Health.FailingStreak'), 0) AS failing_streak,
            coalesce(json_extract(config, '$.config.Labels'), '{}') AS labels,
            json_extract(config, '$.imageRef') AS image
     FROM containers`,
  // 17: where the keeper writes a probe's result (Docker's handleProbeResult): the
  // health's status and streak, and the log with its last \`keep\` - 1 entries kept
  // before this one; a row inserted here changes the container's state.
  `CREATE VIEW health_probes AS
     SELECT id, '' AS status, 0 AS failing_streak, '' AS started, '' AS ended, 0 AS exit_code, '' AS output,
            0 AS keep
     FROM containers WHERE 0;
   CREATE TRIGGER health_probes_insert INSTEAD OF INSERT ON health_probes BEGIN
     UPDATE containers SET state = json_set(state, '$.Health', json_object(
       'Status', NEW.status, 'FailingStreak', NEW.failing_streak,
       'Log', json_insert(
         coalesce((SELECT json_group_array(json(value)) FROM (
           SELECT value FROM json_each(containers.state, '$.Health.Log')
           WHERE key > json_array_length(containers.state, '$.Health.Log') - NEW.keep ORDER BY key)), '[]'),
         '$[#]', json_object('Start', NEW.started, 'End', NEW.ended, 'ExitCode', NEW.exit_code, 'Output', NEW.output))))
     WHERE id = NEW.id;
   END`,
  // 18: what conmon's exit command in C (native/launcher.c) reads to see that the
  // process a container was attached to has released its run already.
  `CREATE VIEW container_runs AS
     SELECT id,
            json_extract(state, '$.RunId') AS run_id,
            json_extract(state, '$.ReleasedRun') AS released_run,
            json_extract(state, '$.Status') AS status
     FROM containers`,
];

export function openDb(file: string): DB {
  const db = new Database(file, { timeout: 60_000 });
  // per connection, set without a statement object each: every command opens the store
  db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
  migrate(db);
  keepStatements(db);
  return db;
}

/** How many statements a connection keeps (the tables' queries are fixed texts: a few dozen). */
const KEPT_STATEMENTS = 256;

/**
 * Makes db.prepare return the statement it made before for the same text. A
 * long-lived process (the API service, the CRI) asks the same queries on every
 * request, and preparing one cost as much as running it (about 20 µs); the
 * tables prepare where they query, for short-lived commands. No caller keeps a
 * statement in a mode (pluck, raw, expand) another caller of its text would not
 * expect, nor iterates one (a kept statement in use cannot run again).
 */
function keepStatements(db: DB): void {
  const prepare = db.prepare.bind(db);
  const kept = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let st = kept.get(sql);
    if (!st) {
      st = prepare(sql);
      if (kept.size < KEPT_STATEMENTS) kept.set(sql, st);
    }
    return st;
  }) as DB['prepare'];
}

/**
 * Brings the schema up to date. A store at the current version (every command's
 * case but the first after an upgrade) costs one read of user_version: no
 * statement writes, no transaction. WAL mode is a property of the file, set once
 * with its first migration.
 */
function migrate(db: DB): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA.length) return;
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    const v = db.pragma('user_version', { simple: true }) as number; // re-read under the write lock
    for (let i = v; i < SCHEMA.length; i++) db.exec(SCHEMA[i]);
    db.pragma(`user_version = ${SCHEMA.length}`);
  }).immediate();
}

/**
 * Runs fn's reads in one transaction: they see one snapshot of the store, and
 * SQLite takes its WAL read lock once instead of once per statement.
 */
export function readTx<T>(db: DB, fn: () => T): T {
  if (db.inTransaction) return fn();
  let run = readers.get(db);
  // made once per connection: better-sqlite3 builds a transaction function's wrappers on every call
  if (!run) readers.set(db, (run = db.transaction((f: () => unknown) => f())));
  return run.deferred(fn) as T;
}

const readers = new WeakMap<DB, ReturnType<DB['transaction']>>();

/**
 * SQLite's data_version of a store, asked on a read-only connection of its own:
 * it changes whenever a commit lands from any other connection, which for this
 * one is every process's, this process's own included. A long-lived process
 * keeps an answer made from the store for as long as the version stays.
 */
export function openVersionWatch(file: string): { version(): number; close(): void } {
  const db = new Database(file, { readonly: true, timeout: 60_000 });
  const st = db.prepare('PRAGMA data_version').pluck();
  return { version: () => st.get() as number, close: () => db.close() };
}

/** Runs fn in a BEGIN IMMEDIATE transaction (the write lock is taken up front). */
export function writeTx<T>(db: DB, fn: () => T): T {
  return db.transaction(fn).immediate();
}
