// What the services need of the image store: image records, their configs and
// the references (tags and digests) naming them. ImageStore (store.ts) keeps them
// in the metadata database, FakeImageRecords (fake-records.ts) in memory.
import type { Digest } from '../digest';
import type { ImageRecord } from '../metadata/images';
import type { ImageConfig } from '../oci/types';

export interface Image {
  record: ImageRecord;
  raw: Buffer;
  config: ImageConfig;
}

export interface ImageRef {
  /** full reference: docker.io/library/x:tag, or name@sha256:... */
  name: string;
  isDigest: boolean;
}

export interface ImageRecords {
  get(id: Digest): ImageRecord | undefined;
  list(): ImageRecord[];
  /** The record with its config (from the blobs); `not-found` when there is no such image. */
  load(id: Digest): Image;
  /** A listed record with its config (the row is not read again). */
  withConfig(record: ImageRecord): Image;
  /** IDs whose hex starts with `prefix` (without "sha256:"). */
  byPrefix(prefix: string): Digest[];
  /** Images whose parent is `id`. */
  children(id: Digest): Digest[];
  /** Inserts a record; an existing one with that ID is kept as it is. */
  add(rec: Omit<ImageRecord, 'lastTagTime'>): void;
  /** Removes an image and every reference to it. */
  delete(id: Digest): void;
  /** An image's references, sorted by name. */
  refsOf(id: Digest): ImageRef[];
  allRefs(): Array<ImageRef & { imageId: Digest }>;
  resolveRef(name: string): Digest | undefined;
  /** Points a reference at an image (a tag also sets lastTagTime); returns the image it named before, if another. */
  setRef(name: string, id: Digest, isDigest?: boolean): Digest | undefined;
  deleteRef(name: string): void;
}
