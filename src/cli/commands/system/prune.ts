// `system prune`: the container, network, (volume) and image prunes in turn, as
// the docker CLI runs them, with one total. stowage has no build cache to prune.
import { type Command, NO_PROMPT_FLAG } from '../../command';
import { pruneContainers } from '../container/lifecycle';
import { confirm, pruneImages } from '../image/prune';
import { pruneNetworks } from '../network/network';
import { humanSize } from '../../../util/units';
import { pruneVolumes } from '../volume/volume';

export const systemPrune: Command = {
  name: 'system prune',
  usage: '[OPTIONS]',
  description: 'Remove unused data',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
    NO_PROMPT_FLAG,
    { long: 'volumes', kind: 'bool', help: 'Prune anonymous volumes' },
  ],
  async run(ctx, _args, flags) {
    const all = flags.all as boolean;
    const warnings = [
      'all stopped containers',
      'all networks not used by at least one container',
      ...(flags.volumes ? ['all anonymous volumes not used by at least one container'] : []),
      all ? 'all images without at least one container associated to them' : 'all dangling images',
    ];
    if (!flags.force && !(await confirm(ctx, `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`))) return 0;
    let reclaimed = 0;
    for (const prune of [pruneContainers, pruneNetworks, ...(flags.volumes ? [(c: typeof ctx) => pruneVolumes(c, false)] : []), (c: typeof ctx) => pruneImages(c, all)]) {
      const done = await prune(ctx);
      reclaimed += done.reclaimed;
      if (done.output) ctx.out(`${done.output}\n`);
    }
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
