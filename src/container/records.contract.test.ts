// The ContainerRecords contract (records-contract.ts) on the real store (SQLite in
// a temporary directory, as an ordinary user) and on the in-memory fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, type DB } from '../metadata/db';
import { FakeContainerRecords } from './fake-records';
import type { ContainerRecords } from './records';
import { containerRecordsContract } from './records-contract';
import { ContainerStore } from './store';

const opened = new Map<ContainerRecords, { dir: string; db: DB }>();

containerRecordsContract(
  'ContainerStore',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-containers-'));
    const db = openDb(path.join(dir, 'stowage.db'));
    const s = new ContainerStore(db);
    opened.set(s, { dir, db });
    return s;
  },
  (s) => {
    const o = opened.get(s)!;
    o.db.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  },
);

containerRecordsContract('FakeContainerRecords', () => new FakeContainerRecords());
