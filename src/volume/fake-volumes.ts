// Volumes in memory, for services tested without a database: the rules of
// VolumeStore (an existing name returned, removal refused while in use), with
// each volume's _data directory made under `dir` as a mount's source.
import fs from 'node:fs';
import path from 'node:path';
import { randomId } from '../digest';
import { conflict } from '../errdefs';
import { NoSuchVolumeError } from './store';
import type { Volume, Volumes } from './volumes';

export class FakeVolumes implements Volumes {
  private readonly rows = new Map<string, Volume>();

  constructor(private readonly dir: string) {}

  get(name: string): Volume | undefined {
    const v = this.rows.get(name);
    return v && { ...v, labels: { ...v.labels } };
  }

  list(): Volume[] {
    return [...this.rows.keys()].map((n) => this.get(n) as Volume);
  }

  create(name: string | undefined, opts: { labels?: Record<string, string>; anonymous?: boolean } = {}): Volume {
    const n = name ?? randomId();
    const existing = this.get(n);
    if (existing) return existing;
    const mountpoint = path.join(this.dir, n, '_data');
    fs.mkdirSync(mountpoint, { recursive: true, mode: 0o755 });
    this.rows.set(n, {
      name: n,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: { ...(opts.labels ?? {}) },
      anonymous: !!opts.anonymous,
      mountpoint,
    });
    return this.get(n) as Volume;
  }

  remove(name: string, users: string[], force = false): void {
    if (!this.rows.has(name)) {
      if (force) return;
      throw new NoSuchVolumeError(name);
    }
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    this.rows.delete(name);
    fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
  }
}
