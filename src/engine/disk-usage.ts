// The daemon half of `system df`: space used by images (shared layers counted
// once), containers' writable layers and volumes, for the CLI and the API.
import type { Container } from '../container/store';
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
  // the images `images` lists (Docker's df leaves out build intermediates too)
  const images = listImages(engine, { all: false, filters: new Map() });
  const layerUse = new Map<string, number>();
  const stacks = new Map(images.map((i) => [i.id, engine.store.layers.stack(engine.store.images.get(i.id)?.topLayer ?? null)]));
  for (const s of stacks.values()) for (const l of s) layerUse.set(l.chainId, (layerUse.get(l.chainId) ?? 0) + 1);
  return {
    images: images.map((i) => {
      const shared = stacks.get(i.id)!.filter((l) => (layerUse.get(l.chainId) ?? 0) > 1).reduce((n, l) => n + l.size, 0);
      return { ...i, shared, unique: i.size - shared };
    }),
    layersSize: engine.images.diskUsage(),
    containers: engine.containers.list().map((c) => ({ c, size: engine.containers.upperSize(c.record.id) })),
    volumes: engine.volumes.list().map((v) => ({ v, size: engine.containers.volumes.size(v.name), links: engine.volumes.users(v.name).length })),
  };
}
