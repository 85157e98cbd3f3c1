// Image records and tags in the metadata database; configs live in the blob store.
import type { Digest } from '../digest';
import { notFound } from '../errdefs';
import type { Blobs } from '../content/blobs';
import type { DB } from '../metadata/db';
import { ImageTable, type ImageRecord } from '../metadata/images';
import type { ImageConfig } from '../oci/types';
import type { Image, ImageRecords } from './records';

export type { ImageRecord } from '../metadata/images';
export type { Image } from './records';

export class ImageStore implements ImageRecords {
  private readonly rows: ImageTable;

  constructor(
    db: DB,
    private readonly blobs: Blobs,
  ) {
    this.rows = new ImageTable(db);
  }

  get(id: Digest): ImageRecord | undefined {
    return this.rows.get(id);
  }

  list(): ImageRecord[] {
    return this.rows.list();
  }

  load(id: Digest): Image {
    const record = this.get(id);
    if (!record) throw notFound(`No such image: ${id}`);
    return this.withConfig(record);
  }

  withConfig(record: ImageRecord): Image {
    const raw = this.blobs.get(record.id);
    return { record, raw, config: JSON.parse(raw.toString('utf8')) as ImageConfig };
  }

  /** IDs starting with a hex prefix (without the sha256: part). */
  byPrefix(prefix: string): Digest[] {
    return this.rows.byPrefix(prefix);
  }

  children(id: Digest): Digest[] {
    return this.rows.children(id);
  }

  /** Inserts an image record (idempotent); call inside a write transaction. */
  add(rec: Omit<ImageRecord, 'lastTagTime'>): void {
    this.rows.insert(rec);
  }

  delete(id: Digest): void {
    this.rows.delete(id);
  }

  /** Full reference names (docker.io/library/x:tag, or name@digest) of an image. */
  refsOf(id: Digest): Array<{ name: string; isDigest: boolean }> {
    return this.rows.refsOf(id);
  }

  allRefs(): Array<{ name: string; imageId: Digest; isDigest: boolean }> {
    return this.rows.allRefs();
  }

  resolveRef(name: string): Digest | undefined {
    return this.rows.resolveRef(name);
  }

  /** Points a reference at an image; returns the image it pointed at before, if another. */
  setRef(name: string, id: Digest, isDigest = false): Digest | undefined {
    const prev = this.resolveRef(name);
    this.rows.putRef(name, id, isDigest);
    if (!isDigest) this.rows.setLastTagTime(id, new Date().toISOString());
    return prev !== id ? prev : undefined;
  }

  deleteRef(name: string): void {
    this.rows.deleteRef(name);
  }
}
