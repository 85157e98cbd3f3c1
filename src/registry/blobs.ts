// Which compressed blobs hold a layer (by diff ID): what was pulled, or pushed
// once, so that a push can ask the registry for them without compressing again.
import type { Digest } from '../digest';
import type { Store } from '../engine/store';
import type { Descriptor } from '../oci/types';

export function recordBlob(store: Store, diffId: Digest, digest: Digest, size: number, mediaType: string): void {
  store.db.prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, size, media_type) VALUES (?, ?, ?, ?)').run(diffId, digest, size, mediaType);
}

export function knownBlobs(store: Store, diffId: Digest): Descriptor[] {
  const rows = store.db.prepare('SELECT digest, size, media_type FROM layer_blobs WHERE diff_id = ?').all(diffId) as Array<{ digest: Digest; size: number; media_type: string }>;
  return rows.map((r) => ({ digest: r.digest, size: r.size, mediaType: r.media_type }));
}
