// What the services need of a content store: blobs (image configs) by sha256.
// BlobStore (store.ts) keeps them as files; FakeBlobs (fake-blobs.ts) in memory.
import type { Digest } from '../digest';

export interface Blobs {
  has(d: Digest): boolean;
  /** The blob's bytes; a `not-found` StowageError when it is not stored. */
  get(d: Digest): Buffer;
  /** Stores bytes (idempotent) and returns their digest; with `expected` they must hash to it (`invalid-argument`). */
  put(data: Buffer, expected?: Digest): Digest;
  /** Removes a blob; removing one that is not stored is no error. */
  delete(d: Digest): void;
}
