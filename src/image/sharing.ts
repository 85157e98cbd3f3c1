// Which images use which layers, and Docker's SharedSize: the bytes of an
// image's layers that at least one other image uses too (moby
// daemon/images/images.go counts each chain ID's references across all
// images). `system df -v` and `image explain` both take their figures here.
import type { Digest } from '../digest';

export interface ImageLayers {
  id: Digest;
  /** The image's layers by chain ID, bottom first, with their sizes. */
  layers: Array<{ chainId: Digest; size: number }>;
}

export interface Sharing {
  size: number;
  shared: number;
  /** size - shared: what removing this image alone could free. */
  unique: number;
}

/** For each chain ID, the images that use it. */
export function layerUsers(images: ImageLayers[]): Map<Digest, Digest[]> {
  const users = new Map<Digest, Digest[]>();
  for (const img of images) {
    for (const l of img.layers) {
      const u = users.get(l.chainId);
      if (!u) users.set(l.chainId, [img.id]);
      else if (!u.includes(img.id)) u.push(img.id);
    }
  }
  return users;
}

export function sharedSizes(images: ImageLayers[]): Map<Digest, Sharing> {
  const users = layerUsers(images);
  const out = new Map<Digest, Sharing>();
  for (const img of images) {
    let size = 0;
    let shared = 0;
    for (const l of img.layers) {
      size += l.size;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- users was filled from these same layers above
      if (users.get(l.chainId)!.length > 1) shared += l.size;
    }
    out.set(img.id, { size, shared, unique: size - shared });
  }
  return out;
}
