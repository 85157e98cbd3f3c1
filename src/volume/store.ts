// Volumes: directories under <root>/volumes/<name>/_data, recorded in SQLite,
// that containers mount and that outlive them.
import fs from 'node:fs';
import path from 'node:path';
import { randomId } from '../digest';
import { conflict, invalidArgument, StowageError } from '../errdefs';
import { nowGoTime } from '../image/config-json';
import { type DB, writeTx } from '../metadata/db';

export interface Volume {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  anonymous: boolean;
  mountpoint: string;
}

interface Row {
  name: string;
  created_at: string;
  labels: string;
  anonymous: number;
}

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class NoSuchVolumeError extends StowageError {
  constructor(name: string) {
    super('not-found', `get ${name}: no such volume`);
  }
}

export class VolumeStore {
  constructor(
    private readonly db: DB,
    private readonly dir: string,
  ) {}

  private toVolume(r: Row): Volume {
    return {
      name: r.name,
      createdAt: r.created_at,
      labels: JSON.parse(r.labels) as Record<string, string>,
      anonymous: r.anonymous === 1,
      mountpoint: this.dataDir(r.name),
    };
  }

  dataDir(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  get(name: string): Volume | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return r && this.toVolume(r);
  }

  mustGet(name: string): Volume {
    const v = this.get(name);
    if (!v) throw new NoSuchVolumeError(name);
    return v;
  }

  list(): Volume[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map((r) => this.toVolume(r));
  }

  /** Creates a volume, or returns the existing one of that name (as `docker volume create` does). */
  create(name: string | undefined, opts: { labels?: Record<string, string>; anonymous?: boolean } = {}): Volume {
    const n = name ?? randomId();
    if (!VALID.test(n)) {
      throw invalidArgument(
        `create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    return writeTx(this.db, () => {
      const existing = this.get(n);
      if (existing) return existing;
      fs.mkdirSync(this.dataDir(n), { recursive: true, mode: 0o755 });
      this.db
        .prepare('INSERT INTO volumes (name, created_at, labels, anonymous) VALUES (?, ?, ?, ?)')
        .run(n, nowGoTime().replace(/\.\d+Z$/, 'Z'), JSON.stringify(opts.labels ?? {}), opts.anonymous ? 1 : 0);
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the row was inserted just above, in this transaction
      return this.get(n)!;
    });
  }

  /** Removes a volume unless a container uses it (`users` names them). */
  remove(name: string, users: string[], force = false): void {
    writeTx(this.db, () => {
      const v = this.get(name);
      if (!v) {
        if (force) return;
        throw new NoSuchVolumeError(name);
      }
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    });
    fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
  }

  /** Bytes used by a volume's files. */
  size(name: string): number {
    let n = 0;
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else n += fs.lstatSync(p).size;
      }
    };
    if (fs.existsSync(this.dataDir(name))) walk(this.dataDir(name));
    return n;
  }
}
