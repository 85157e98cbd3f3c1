// `system prune`: the container, network, (volume) and image prunes in turn, as
// the docker CLI runs them, with one total. stowage has no build cache to prune.
import { type Command, NO_PROMPT_FLAG, PRUNE_FILTER_FLAG } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { humanSize } from '../../../util/units';
import { pruneContainers, pruneImages, pruneNetworks, pruneVolumes } from '../../prune';
import { confirm } from '../../output/confirm';

export const systemPrune: Command = {
  name: 'system prune',
  usage: '[OPTIONS]',
  description: 'Remove unused data',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
    PRUNE_FILTER_FLAG,
    NO_PROMPT_FLAG,
    { long: 'volumes', kind: 'bool', help: 'Prune anonymous volumes' },
  ],
  async run(ctx, _args, flags) {
    const all = flags.all as boolean;
    const filters = parseFilters(flags.filter, ['until', 'label', 'label!']);
    const warnings = [
      'all stopped containers',
      'all networks not used by at least one container',
      ...(flags.volumes ? ['all anonymous volumes not used by at least one container'] : []),
      all ? 'all images without at least one container associated to them' : 'all dangling images',
    ];
    if (
      !flags.force &&
      !(await confirm(ctx, `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`))
    )
      return 0;
    let reclaimed = 0;
    const prunes = [
      () => pruneContainers(ctx, filters),
      () => pruneNetworks(ctx, filters),
      ...(flags.volumes ? [() => pruneVolumes(ctx, false, new Map([...filters].filter(([k]) => k !== 'until')))] : []),
      () => pruneImages(ctx, all, filters),
    ];
    for (const prune of prunes) {
      const done = await prune();
      reclaimed += done.reclaimed;
      if (done.output) ctx.out(`${done.output}\n`);
    }
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
