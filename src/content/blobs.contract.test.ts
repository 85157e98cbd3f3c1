// The Blobs contract (blobs-contract.ts) on the real store (files in a temporary
// directory, as an ordinary user) and on the in-memory fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomHex } from '../digest';
import { blobsContract } from './blobs-contract';
import { FakeBlobs } from './fake-blobs';
import { BlobStore } from './store';

const dirs = new Map<object, string>();

blobsContract(
  'BlobStore',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-blobs-'));
    const store = new BlobStore(path.join(dir, 'blobs'), () => path.join(dir, `tmp-${randomHex(6)}`));
    dirs.set(store, dir);
    return store;
  },
  (store) => fs.rmSync(dirs.get(store)!, { recursive: true, force: true }),
);

blobsContract('FakeBlobs', () => new FakeBlobs());
