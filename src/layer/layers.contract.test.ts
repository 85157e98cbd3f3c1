// The Layers contract (layers-contract.ts) on the real store (layer directories
// and SQLite in a temporary directory, as an ordinary user) and on the fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomHex } from '../digest';
import { openDb, type DB } from '../metadata/db';
import { FakeLayers } from './fake-layers';
import type { Layers } from './layers';
import { layersContract } from './layers-contract';
import { LayerStore } from './store';

const opened = new Map<Layers, { dir: string; db: DB }>();

layersContract(
  'LayerStore',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-layers-'));
    const db = openDb(path.join(dir, 'stowage.db'));
    fs.mkdirSync(path.join(dir, 'tmp'));
    const layers = new LayerStore(db, path.join(dir, 'overlay'), (prefix) => {
      const p = path.join(dir, 'tmp', `${prefix}-${randomHex(6)}`);
      fs.mkdirSync(p);
      return p;
    });
    opened.set(layers, { dir, db });
    return layers;
  },
  (layers) => {
    const o = opened.get(layers)!;
    o.db.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  },
);

layersContract('FakeLayers', () => new FakeLayers());
