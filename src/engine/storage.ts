// What the image service needs of a store: its blobs, layers and image records,
// one write transaction over them, and the collection of unused layers. Store
// (store.ts) is the real one; FakeStorage (fake-storage.ts) puts the in-memory
// fakes together for tests of the service's rules.
import type { Blobs } from '../content/blobs';
import type { Digest } from '../digest';
import type { ImageRecords } from '../image/records';
import type { Layers } from '../layer/layers';

export interface ImageStorage {
  readonly blobs: Blobs;
  readonly layers: Layers;
  readonly images: ImageRecords;
  /** Runs `fn` under the store's write lock, as one transaction: a throw undoes its record changes. */
  writeTx<T>(fn: () => T): T;
  /** Removes layers nothing references any more (images, containers, leases); returns their chain IDs. */
  gc(): Digest[];
}
