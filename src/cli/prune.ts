// What the prune commands share: the printed result of each prune (container,
// image, network, volume), which `system prune` runs in turn.
import type { Filters } from '../engine/filters';
import type { Ctx } from './context';

/** What a prune did: the lines it prints and the bytes it freed. */
export interface Pruned {
  output: string;
  reclaimed: number;
}

const listed = (title: string, items: string[]) => (items.length ? `${title}:\n${items.join('\n')}\n` : '');

export async function pruneContainers(ctx: Ctx, filters?: Filters): Promise<Pruned> {
  const { removed, reclaimed } = await ctx.containers.prune(filters);
  return { output: listed('Deleted Containers', removed), reclaimed };
}

export function pruneImages(ctx: Ctx, all: boolean, filters?: Filters): Pruned {
  const { records, reclaimed } = ctx.images.prune({ all, filters });
  const lines = records.map((r) => (r.untagged ? `untagged: ${r.untagged}\n` : `deleted: ${r.deleted}\n`));
  return { output: records.length ? `Deleted Images:\n${lines.join('')}` : '', reclaimed };
}

export async function pruneNetworks(ctx: Ctx, filters?: Filters): Promise<Pruned> {
  return { output: listed('Deleted Networks', await ctx.networks.prune(filters)), reclaimed: 0 };
}

export function pruneVolumes(ctx: Ctx, all: boolean, filters?: Filters): Pruned {
  const { removed, reclaimed } = ctx.volumes.prune(filters, all);
  return { output: listed('Deleted Volumes', removed), reclaimed };
}
