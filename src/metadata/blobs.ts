// The layer_blobs and blob_sources tables: compressed blobs known to hold a
// layer (by diff ID), and the repositories known to hold a blob (see
// src/registry/blobs.ts for what push does with them).
import type { Digest } from '../digest';
import type { DB } from './db';

export interface BlobRow {
  digest: Digest;
  size: number;
  mediaType: string;
}

export class BlobTable {
  constructor(private readonly db: DB) {}

  recordLayerBlob(diffId: Digest, b: BlobRow): void {
    this.db
      .prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, size, media_type) VALUES (?, ?, ?, ?)')
      .run(diffId, b.digest, b.size, b.mediaType);
  }

  layerBlobs(diffId: Digest): BlobRow[] {
    const rows = this.db.prepare('SELECT digest, size, media_type FROM layer_blobs WHERE diff_id = ?').all(diffId);
    return (rows as Array<{ digest: Digest; size: number; media_type: string }>).map((r) => ({
      digest: r.digest,
      size: r.size,
      mediaType: r.media_type,
    }));
  }

  recordSource(digest: Digest, repository: string): void {
    this.db.prepare('INSERT OR IGNORE INTO blob_sources (digest, repository) VALUES (?, ?)').run(digest, repository);
  }

  /** Repositories (full names) known to hold `digest`, most recently recorded first. */
  sources(digest: Digest): string[] {
    const rows = this.db
      .prepare('SELECT repository FROM blob_sources WHERE digest = ? ORDER BY rowid DESC')
      .all(digest);
    return (rows as Array<{ repository: string }>).map((r) => r.repository);
  }
}
