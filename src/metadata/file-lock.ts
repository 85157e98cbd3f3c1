// A lock between processes on a file, held as SQLite's exclusive lock (the
// kernel lets it go when a holder dies; Node.js has no flock). For what a
// rootless store shares between its commands: the user's network namespace and
// its slirp4netns. Calls of one process queue first (the Engine API serves
// many at once, and SQLite's wait would block the very holder it waits for).
import Database from 'better-sqlite3';

const queues = new Map<string, Promise<unknown>>();

function acquire(file: string): Database.Database {
  const db = new Database(file, { timeout: 120_000 });
  db.exec('BEGIN EXCLUSIVE');
  return db;
}

function release(db: Database.Database): void {
  db.exec('ROLLBACK');
  db.close();
}

export class FileLock {
  constructor(private readonly file: string) {}

  /** Runs fn holding the lock until its promise settles. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const prev = queues.get(this.file) ?? Promise.resolve();
    const next = prev.then(async () => {
      const db = acquire(this.file);
      try {
        return await fn();
      } finally {
        release(db);
      }
    });
    const settled = next.catch(() => undefined);
    queues.set(this.file, settled);
    void settled.then(() => {
      if (queues.get(this.file) === settled) queues.delete(this.file);
    });
    return next;
  }

  /** Runs synchronous fn holding the lock (never use it on a file an async holder of this process may hold). */
  sync<T>(fn: () => T): T {
    const db = acquire(this.file);
    try {
      return fn();
    } finally {
      release(db);
    }
  }
}
