// What the services need of the layer store: layers by chain ID registered from
// tar streams, their stacks, their tars back, and the leases and collection that
// keep the layers images and running work use. LayerStore (store.ts) unpacks them
// into overlayfs directories; FakeLayers (fake-layers.ts) keeps the tars in memory.
import type { Digest } from '../digest';
import type { LayerRow } from '../metadata/layers';

/** A stored layer (its row in the metadata database). */
export type LayerInfo = LayerRow;

export interface Layers {
  get(chainId: Digest): LayerInfo | undefined;
  /** As get, `not-found` when there is no such layer. */
  mustGet(chainId: Digest): LayerInfo;
  /** The chain of layers from the bottom up to `top` (none for null). */
  stack(top: Digest | null): LayerInfo[];
  list(): LayerInfo[];
  /** Bytes of every stored layer's files (each layer once). */
  totalSize(): number;
  /**
   * Stores a layer tar on top of `parent` (or finds the stored one with that chain ID),
   * leased to this process; with `expectedDiffId` the tar must hash to it (`invalid-argument`).
   */
  register(
    source: AsyncIterable<Buffer>,
    parent: Digest | null,
    opts?: { expectedDiffId?: Digest; sizeHint?: number },
  ): Promise<LayerInfo>;
  /** The layer's tar, byte for byte as registered. */
  openTar(chainId: Digest): AsyncGenerator<Buffer>;
  /** Leases a stored layer to this process; false when there is no such layer. */
  lease(chainId: Digest): boolean;
  /** Drops this process's leases (once an image references its layers). */
  releaseLeases(): void;
  /** Removes the layers neither `referencedTops` (nor their parents) nor a live lease keeps; returns them. */
  gc(referencedTops: () => Iterable<Digest>): Digest[];
}
