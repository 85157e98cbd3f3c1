// Images of known content for the explain tests: hand-made layers in a docker-archive.
import fs from 'node:fs';
import path from 'node:path';
import type { TestEnv } from './helpers';
import { buildTar, type TestEntry } from './tar-builder';
import { makeDockerArchive } from '../bench/make-archive';

export const BIG = 10 << 20;
export const F = 4096;

/** A docker-archive of hand-made layers; returns its path. */
export function archiveOf(env: TestEnv, name: string, tag: string, layers: TestEntry[][]): string {
  const dir = path.join(env.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const files = layers.map((entries, i) => {
    const f = path.join(dir, `layer${i}.tar`);
    fs.writeFileSync(f, buildTar(entries));
    return f;
  });
  const out = path.join(env.dir, `${name}.tar`);
  makeDockerArchive(out, files, tag);
  return out;
}

// 1: a tool and a config; 2: a 10 MiB file and /app/f; 3: deletes the big file, writes /app/f again; 4: writes /app/f a third time
export const KNOWN: TestEntry[][] = [
  [
    { name: 'bin/' },
    { name: 'bin/tool', data: Buffer.alloc(5000, 1) },
    { name: 'etc/' },
    { name: 'etc/conf', data: Buffer.alloc(100, 2) },
  ],
  [
    { name: 'data/' },
    { name: 'data/big', data: Buffer.alloc(BIG, 3) },
    { name: 'app/' },
    { name: 'app/f', data: Buffer.alloc(F, 4) },
  ],
  [{ name: 'data/' }, { name: 'data/.wh.big' }, { name: 'app/' }, { name: 'app/f', data: Buffer.alloc(F, 5) }],
  [{ name: 'app/' }, { name: 'app/f', data: Buffer.alloc(F, 6) }],
];
