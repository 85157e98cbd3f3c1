// The ImageRecords contract (records-contract.ts) on the real store (SQLite in a
// temporary directory, as an ordinary user) and on the in-memory fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobStore } from '../content/store';
import { FakeBlobs } from '../content/fake-blobs';
import { randomHex } from '../digest';
import { openDb, type DB } from '../metadata/db';
import { FakeImageRecords } from './fake-records';
import { imageRecordsContract, type ImageRecordsUnderTest } from './records-contract';
import { ImageStore } from './store';

const opened = new Map<ImageRecordsUnderTest, { dir: string; db: DB }>();

imageRecordsContract(
  'ImageStore',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-images-'));
    const db = openDb(path.join(dir, 'stowage.db'));
    const blobs = new BlobStore(path.join(dir, 'blobs'), () => path.join(dir, `tmp-${randomHex(6)}`));
    const s = { images: new ImageStore(db, blobs), blobs };
    opened.set(s, { dir, db });
    return s;
  },
  (s) => {
    const o = opened.get(s)!;
    o.db.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  },
);

imageRecordsContract('FakeImageRecords', () => {
  const blobs = new FakeBlobs();
  return { images: new FakeImageRecords(blobs), blobs };
});
