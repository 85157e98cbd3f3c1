// `commit`: a container's writable layer becomes one new layer on top of its
// image's layers, and its configuration the new image's (with --change applied).
import type { Digest } from '../digest';
import { applyChanges } from '../image/changes';
import { marshalImageConfig, nowGoTime } from '../image/config-json';
import type { ImageConfig } from '../oci/types';
import { INIT_PATHS } from '../container/init-layer';
import { packDir } from '../layer/pack';
import { overlayChanges, type Change } from '../layer/changes';
import { parseTagTarget } from '../reference';
import { freeze } from '../runtime/freeze';
import { canFreeze } from '../rootless/cgroups';
import type { Container } from '../container/records';
import type { RootfsPaths } from '../container/rootfs-paths';
import type { RuntimeConfig } from '../runtime/runc';
import type { ImageService } from './images';
import type { Store } from './store';

export interface CommitOptions {
  ref?: string;
  author?: string;
  message?: string;
  changes?: string[];
  pause?: boolean;
}

/** Paths of a writable layer that are never image content (the init layer's mount points). */
export const notCommitted = (rel: string) => INIT_PATHS.has(rel);

export interface Layer {
  chainId: Digest;
  diffId: Digest;
}

/**
 * A container's writable layer (its overlay upper dir) registered as a layer on
 * top of `parentTop`, less what `exclude` leaves out (by default the init layer's
 * mount points); undefined when nothing changed (an empty layer, as Docker).
 * The caller releases the layer store's leases once an image holds the layer.
 */
export async function writableLayer(
  store: Store,
  upper: string,
  parentTop: Digest | null,
  exclude: (rel: string) => boolean = notCommitted,
): Promise<Layer | undefined> {
  if (overlayChanges(upper, [], exclude).length === 0) return undefined;
  return store.layers.register(packDir(upper, { overlay: true, exclude }), parentTop);
}

/**
 * What commit and diff need of the containers: a container by name or ID, where its
 * writable layer is, and its runtime (to freeze it). The container service has them;
 * so has Engine.containerLayers, without loading the service.
 */
export interface ContainerLayers {
  find(idOrName: string): Container;
  rootfs(id: string): RootfsPaths;
  runtime(runtimePath?: string): RuntimeConfig;
}

/** `docker diff`: what the container changed, against its image's layers. */
export function containerChanges(store: Store, containers: ContainerLayers, idOrName: string): Change[] {
  const c = containers.find(idOrName);
  const rootfs = containers.rootfs(c.record.id);
  const lowers = [rootfs.init, ...store.layers.stack(c.record.topLayer).map((l) => store.layers.diffDir(l.chainId))];
  return overlayChanges(rootfs.upper, lowers, notCommitted);
}

export async function commitContainer(
  store: Store,
  images: ImageService,
  containers: ContainerLayers,
  idOrName: string,
  opts: CommitOptions,
): Promise<Digest> {
  const target = opts.ref ? parseTagTarget(opts.ref) : undefined;
  const c = containers.find(idOrName);
  const base = store.images.load(c.record.imageId);
  const config = applyChanges({ ...c.record.config, Image: c.record.imageId }, opts.changes ?? []);
  const running = c.state.Status === 'running';
  const rt = containers.runtime(c.record.hostConfig.Runtime || undefined);
  const upper = containers.rootfs(c.record.id).upper;
  // freeze the processes so the layer is read in one consistent state (with --pause=false
  // they run on: the layer is walked by descriptor, so what they swap meanwhile stays inside)
  const thaw = running && opts.pause !== false && canFreeze() ? await freeze(rt, c.record.id) : undefined;
  let layer: Layer | undefined;
  try {
    layer = await writableLayer(store, upper, base.record.topLayer);
  } catch (e) {
    await thaw?.();
    throw e;
  }
  // the layer is stored: the processes run on while the image is written
  const thawing = thaw?.();
  try {
    const created = nowGoTime();
    const b = base.config;
    const { StopTimeout: _st, ...containerConfig } = c.record.config;
    const image: ImageConfig = {
      architecture: b.architecture,
      os: b.os,
      variant: b.variant,
      created,
      author: opts.author || undefined,
      comment: opts.message || undefined,
      container: c.record.id,
      container_config: containerConfig,
      config: { ...config, StopTimeout: undefined } as ImageConfig['config'],
      rootfs: { type: 'layers', diff_ids: layer ? [...b.rootfs.diff_ids, layer.diffId] : b.rootfs.diff_ids },
      history: [
        ...(b.history ?? []),
        {
          created,
          created_by: (c.record.config.Cmd ?? []).join(' '), // as Docker: the container's Cmd
          author: opts.author || undefined,
          comment: opts.message || undefined,
          empty_layer: layer ? undefined : true,
        },
      ],
      parent: base.record.id,
    };
    return images.commitImage(marshalImageConfig(image), {
      topLayer: layer ? layer.chainId : base.record.topLayer,
      parent: base.record.id,
      tags: target ? [target] : [],
    });
  } finally {
    await thawing;
    store.layers.releaseLeases();
  }
}
