// Volumes: directories under <root>/volumes/<name>/_data, recorded in SQLite,
// that containers mount and that outlive them.
import fs from 'node:fs';
import path from 'node:path';
import { randomId } from '../digest';
import { conflict, invalidArgument, StowageError } from '../errdefs';
import { nowGoTime } from '../image/config-json';
import { type DB, writeTx } from '../metadata/db';
import { VolumeTable, type VolumeRow } from '../metadata/volumes';
import type { Volume, Volumes } from './volumes';

export type { Volume } from './volumes';

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class NoSuchVolumeError extends StowageError {
  constructor(name: string) {
    super('not-found', `get ${name}: no such volume`);
  }
}

export class VolumeStore implements Volumes {
  private readonly rows: VolumeTable;

  constructor(
    private readonly db: DB,
    private readonly dir: string,
  ) {
    this.rows = new VolumeTable(db);
  }

  private toVolume(r: VolumeRow): Volume {
    return { ...r, mountpoint: this.dataDir(r.name) };
  }

  dataDir(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  get(name: string): Volume | undefined {
    const r = this.rows.get(name);
    return r && this.toVolume(r);
  }

  mustGet(name: string): Volume {
    const v = this.get(name);
    if (!v) throw new NoSuchVolumeError(name);
    return v;
  }

  list(): Volume[] {
    return this.rows.list().map((r) => this.toVolume(r));
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
      this.rows.insert({
        name: n,
        createdAt: nowGoTime().replace(/\.\d+Z$/, 'Z'),
        labels: opts.labels ?? {},
        anonymous: !!opts.anonymous,
      });
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
      this.rows.delete(name);
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
