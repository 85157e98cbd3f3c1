// The Engine API's ImageInspect shape (fields in Docker 20.10's order).
import path from 'node:path';
import { fullContainerConfig } from '../image/config-json';
import type { Image } from '../image/store';
import type { LayerStore } from '../layer/store';
import type { ImageService } from './images';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** GraphDriver data for a stack of layers, as overlay2 reports it. */
/** What GraphDriver reads of the layers: the stack and where each one's directories are. */
export type GraphLayers = Pick<LayerStore, 'stack' | 'diffDir' | 'layerDir'>;

export function overlayGraphDriver(
  layers: GraphLayers,
  top: `sha256:${string}` | null,
  upper?: { upper: string; work: string; merged: string; init: string },
) {
  const stack = layers.stack(top);
  const data: Record<string, string> = {};
  const lowers = stack.map((l) => layers.diffDir(l.chainId)).reverse();
  if (upper) {
    lowers.unshift(upper.init);
    if (lowers.length) data.LowerDir = lowers.join(':');
    Object.assign(data, { MergedDir: upper.merged, UpperDir: upper.upper, WorkDir: upper.work });
  } else if (stack.length) {
    const topDir = layers.layerDir(stack[stack.length - 1].chainId);
    if (lowers.length > 1) data.LowerDir = lowers.slice(1).join(':');
    Object.assign(data, {
      MergedDir: path.join(topDir, 'merged'),
      UpperDir: path.join(topDir, 'diff'),
      WorkDir: path.join(topDir, 'work'),
    });
  }
  return { Data: Object.keys(data).length ? data : null, Name: 'overlay2' };
}

export function imageInspect(images: ImageService, layers: LayerStore, img: Image): Record<string, unknown> {
  const c = img.config;
  const out: Record<string, unknown> = {
    Id: img.record.id,
    RepoTags: images.repoTags(img.record.id),
    RepoDigests: images.repoDigests(img.record.id),
    Parent: img.record.parent ?? '',
    Comment: c.comment ?? '',
    Created: c.created ?? ZERO_TIME,
    Container: c.container ?? '',
    ContainerConfig: fullContainerConfig(c.container_config),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: fullContainerConfig(c.config),
    Architecture: c.architecture,
  };
  if (c.variant) out.Variant = c.variant;
  out.Os = c.os;
  out.Size = img.record.size;
  out.VirtualSize = img.record.size;
  out.GraphDriver = overlayGraphDriver(layers, img.record.topLayer);
  out.RootFS = { Type: 'layers', Layers: c.rootfs.diff_ids };
  out.Metadata = { LastTagTime: img.record.lastTagTime ?? ZERO_TIME };
  return out;
}
