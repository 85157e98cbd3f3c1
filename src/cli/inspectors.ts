// Each object type as `inspect` shows it, with the Go type the docker CLI decodes it into.
import { containerInspect } from '../engine/container-inspect';
import { imageInspect } from '../engine/image-inspect';
import { CONTAINER_INSPECT, IMAGE_INSPECT, VOLUME_INSPECT } from './output/docker-types';
import type { Inspector } from './output/inspect';

export const inspectImage: Inspector = (ctx, ref) => ({
  value: imageInspect(ctx.images, ctx.store.layers, ctx.images.resolve(ref)),
  type: IMAGE_INSPECT,
});

export const inspectContainer: Inspector = (ctx, ref) => ({
  value: containerInspect(ctx.store, ctx.containerReads, ctx.containerReads.find(ref)),
  type: CONTAINER_INSPECT,
});

export const inspectVolume: Inspector = (ctx, ref) => ({
  value: ctx.volumes.inspect(ctx.volumes.find(ref)),
  type: VOLUME_INSPECT,
});
