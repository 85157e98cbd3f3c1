// What is known of compressed blobs: which hold a layer (by diff ID), from a
// pull or an earlier push, so that a push can ask the registry for them without
// compressing again; and which repositories hold them (full names, such as
// 127.0.0.1:5000/base), so that a push to another repository of the same
// registry can have it mount the blob instead of uploading it.
import type { Digest } from '../digest';
import type { Store } from '../engine/store';
import { BlobTable } from '../metadata/blobs';
import type { Descriptor } from '../oci/types';

export function recordBlob(store: Store, diffId: Digest, digest: Digest, size: number, mediaType: string): void {
  new BlobTable(store.db).recordLayerBlob(diffId, { digest, size, mediaType });
}

export function knownBlobs(store: Store, diffId: Digest): Descriptor[] {
  return new BlobTable(store.db).layerBlobs(diffId);
}

export function recordBlobSource(store: Store, digest: Digest, repository: string): void {
  new BlobTable(store.db).recordSource(digest, repository);
}

/** Repositories (full names) known to hold `digest`, most recently recorded first. */
export function blobSources(store: Store, digest: Digest): string[] {
  return new BlobTable(store.db).sources(digest);
}
