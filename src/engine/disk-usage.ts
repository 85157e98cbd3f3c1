// The daemon half of `system df`: space used by images (shared layers counted
// once, with `image explain`'s sharing code), containers' writable layers and
// volumes, for the CLI and the API.
import type { Container } from '../container/store';
import { sharedSizes } from '../image/sharing';
import type { Volume } from '../volume/store';
import type { Engine } from './engine';
import { listImages, type ImageSummary } from './image-queries';

export interface DiskUsage {
  images: Array<ImageSummary & { shared: number; unique: number }>;
  /** bytes of all stored layers, each counted once */
  layersSize: number;
  containers: Array<{ c: Container; size: number }>;
  volumes: Array<{ v: Volume; size: number; links: number }>;
}

export function diskUsage(engine: Engine): DiskUsage {
  // Docker 20.10 lists (and counts layer references over) the images `images` shows without -a
  const images = listImages(engine, { all: false, filters: new Map(), countContainers: true });
  const sharing = sharedSizes(
    images.map((i) => ({
      id: i.id,
      layers: engine.store.layers
        .stack(engine.store.images.get(i.id)?.topLayer ?? null)
        .map((l) => ({ chainId: l.chainId, size: l.size })),
    })),
  );
  return {
    images: images.map((i) => {
      const shared = sharing.get(i.id)?.shared ?? 0;
      return { ...i, shared, unique: i.size - shared };
    }),
    layersSize: engine.images.diskUsage(),
    containers: engine.containers.list().map((c) => ({ c, size: engine.containers.upperSize(c.record.id) })),
    volumes: engine.volumes
      .list()
      .map((v) => ({ v, size: engine.containers.volumes.size(v.name), links: engine.volumes.users(v.name).length })),
  };
}
