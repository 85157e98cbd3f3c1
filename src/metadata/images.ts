// The images and tags tables: image records (configs live in the blob store)
// and the references (name:tag, name@digest) that point at them.
import type { Digest } from '../digest';
import type { DB } from './db';

export interface ImageRecord {
  id: Digest;
  topLayer: Digest | null;
  /** Local parent image (set by commit and build), as Docker's Parent. */
  parent: Digest | null;
  size: number;
  addedAt: number;
  lastTagTime: string | null;
}

interface Row {
  id: string;
  top_layer: string | null;
  parent: string | null;
  size: number;
  added_at: number;
  last_tag_time: string | null;
}

const toRecord = (r: Row): ImageRecord => ({
  id: r.id as Digest,
  topLayer: r.top_layer as Digest | null,
  parent: r.parent as Digest | null,
  size: r.size,
  addedAt: r.added_at,
  lastTagTime: r.last_tag_time,
});

export class ImageTable {
  constructor(private readonly db: DB) {}

  get(id: Digest): ImageRecord | undefined {
    const r = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as Row | undefined;
    return r && toRecord(r);
  }

  list(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images').all() as Row[]).map(toRecord);
  }

  /** IDs starting with a hex prefix (without the sha256: part). */
  byPrefix(prefix: string): Digest[] {
    const rows = this.db.prepare('SELECT id FROM images WHERE substr(id, 8, ?) = ?').all(prefix.length, prefix);
    return (rows as Array<{ id: string }>).map((r) => r.id as Digest);
  }

  children(id: Digest): Digest[] {
    const rows = this.db.prepare('SELECT id FROM images WHERE parent = ?').all(id) as Array<{ id: string }>;
    return rows.map((r) => r.id as Digest);
  }

  /** Inserts an image record (idempotent). */
  insert(rec: Omit<ImageRecord, 'lastTagTime'>): void {
    this.db
      .prepare('INSERT OR IGNORE INTO images (id, top_layer, parent, size, added_at) VALUES (?, ?, ?, ?, ?)')
      .run(rec.id, rec.topLayer, rec.parent, rec.size, rec.addedAt);
  }

  /** Deletes an image and every reference to it. */
  delete(id: Digest): void {
    this.db.prepare('DELETE FROM tags WHERE image_id = ?').run(id);
    this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  setLastTagTime(id: Digest, time: string): void {
    this.db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?').run(time, id);
  }

  // ---- tags ----

  refsOf(id: Digest): Array<{ name: string; isDigest: boolean }> {
    const rows = this.db.prepare('SELECT name, is_digest FROM tags WHERE image_id = ? ORDER BY name').all(id);
    return (rows as Array<{ name: string; is_digest: number }>).map((r) => ({
      name: r.name,
      isDigest: r.is_digest === 1,
    }));
  }

  allRefs(): Array<{ name: string; imageId: Digest; isDigest: boolean }> {
    const rows = this.db.prepare('SELECT name, image_id, is_digest FROM tags').all();
    return (rows as Array<{ name: string; image_id: string; is_digest: number }>).map((r) => ({
      name: r.name,
      imageId: r.image_id as Digest,
      isDigest: r.is_digest === 1,
    }));
  }

  resolveRef(name: string): Digest | undefined {
    const r = this.db.prepare('SELECT image_id FROM tags WHERE name = ?').get(name) as { image_id: string } | undefined;
    return r?.image_id as Digest | undefined;
  }

  putRef(name: string, id: Digest, isDigest: boolean): void {
    this.db
      .prepare('INSERT OR REPLACE INTO tags (name, image_id, is_digest) VALUES (?, ?, ?)')
      .run(name, id, isDigest ? 1 : 0);
  }

  deleteRef(name: string): void {
    this.db.prepare('DELETE FROM tags WHERE name = ?').run(name);
  }
}
