// What is known of compressed blobs: which hold a layer (by diff ID), from a
// pull or an earlier push, so that a push can ask the registry for them without
// compressing again; and which repositories hold them (full names, such as
// 127.0.0.1:5000/base), so that a push to another repository of the same
// registry can have it mount the blob instead of uploading it.
import type { Digest } from '../digest';
import type { Store } from '../engine/store';
import type { Descriptor } from '../oci/types';

export function recordBlob(store: Store, diffId: Digest, digest: Digest, size: number, mediaType: string): void {
  store.db
    .prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, size, media_type) VALUES (?, ?, ?, ?)')
    .run(diffId, digest, size, mediaType);
}

export function knownBlobs(store: Store, diffId: Digest): Descriptor[] {
  const rows = store.db
    .prepare('SELECT digest, size, media_type FROM layer_blobs WHERE diff_id = ?')
    .all(diffId) as Array<{ digest: Digest; size: number; media_type: string }>;
  return rows.map((r) => ({ digest: r.digest, size: r.size, mediaType: r.media_type }));
}

export function recordBlobSource(store: Store, digest: Digest, repository: string): void {
  store.db.prepare('INSERT OR IGNORE INTO blob_sources (digest, repository) VALUES (?, ?)').run(digest, repository);
}

/** Repositories (full names) known to hold `digest`, most recently recorded first. */
export function blobSources(store: Store, digest: Digest): string[] {
  const rows = store.db
    .prepare('SELECT repository FROM blob_sources WHERE digest = ? ORDER BY rowid DESC')
    .all(digest) as Array<{ repository: string }>;
  return rows.map((r) => r.repository);
}
