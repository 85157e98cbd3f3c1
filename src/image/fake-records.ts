// Image records and references in memory, for services tested without a
// database (see records-contract.ts); configs come from the Blobs given.
import type { Blobs } from '../content/blobs';
import type { Digest } from '../digest';
import { notFound, internal } from '../errdefs';
import type { ImageConfig } from '../oci/types';
import type { ImageRecords, ImageRef } from './records';
import type { Image, ImageRecord } from './store';

export class FakeImageRecords implements ImageRecords {
  private readonly images = new Map<Digest, ImageRecord>();
  private readonly refs = new Map<string, { imageId: Digest; isDigest: boolean }>();

  constructor(private readonly blobs: Blobs) {}

  /** The records as they are now; calling what it returns puts them back (a transaction's rollback). */
  checkpoint(): () => void {
    const images = [...this.images].map(([id, r]) => [id, { ...r }] as const);
    const refs = [...this.refs].map(([name, r]) => [name, { ...r }] as const);
    return () => {
      this.images.clear();
      for (const [id, r] of images) this.images.set(id, r);
      this.refs.clear();
      for (const [name, r] of refs) this.refs.set(name, r);
    };
  }

  get(id: Digest): ImageRecord | undefined {
    const r = this.images.get(id);
    return r && { ...r };
  }

  list(): ImageRecord[] {
    return [...this.images.values()].map((r) => ({ ...r }));
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

  byPrefix(prefix: string): Digest[] {
    return [...this.images.keys()].filter((id) => id.slice(7).startsWith(prefix));
  }

  children(id: Digest): Digest[] {
    return [...this.images.values()].filter((r) => r.parent === id).map((r) => r.id);
  }

  add(rec: Omit<ImageRecord, 'lastTagTime'>): void {
    if (!this.images.has(rec.id)) this.images.set(rec.id, { ...rec, lastTagTime: null });
  }

  delete(id: Digest): void {
    for (const [name, r] of this.refs) if (r.imageId === id) this.refs.delete(name);
    this.images.delete(id);
  }

  refsOf(id: Digest): ImageRef[] {
    return this.allRefs()
      .filter((r) => r.imageId === id)
      .map(({ name, isDigest }) => ({ name, isDigest }));
  }

  allRefs(): Array<ImageRef & { imageId: Digest }> {
    return [...this.refs]
      .map(([name, r]) => ({ name, imageId: r.imageId, isDigest: r.isDigest }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  resolveRef(name: string): Digest | undefined {
    return this.refs.get(name)?.imageId;
  }

  setRef(name: string, id: Digest, isDigest = false): Digest | undefined {
    const image = this.images.get(id);
    if (!image) throw internal(`FOREIGN KEY constraint failed: no image ${id}`); // as the table's foreign key
    const prev = this.resolveRef(name);
    this.refs.set(name, { imageId: id, isDigest });
    if (!isDigest) image.lastTagTime = new Date().toISOString();
    return prev !== id ? prev : undefined;
  }

  deleteRef(name: string): void {
    this.refs.delete(name);
  }
}
