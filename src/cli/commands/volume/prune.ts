// `volume prune`: anonymous (with -a all) volumes no container uses.
import { NO_PROMPT_FLAG, PRUNE_FILTER_FLAG, type Command } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { VOLUME_PRUNE_FILTERS } from '../../../engine/volumes';
import { humanSize } from '../../../util/units';
import { pruneVolumes } from '../../prune';
import { confirm } from '../../output/confirm';

export const volumePrune: Command = {
  name: 'volume prune',
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    PRUNE_FILTER_FLAG,
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, VOLUME_PRUNE_FILTERS);
    if (
      !flags.force &&
      !(await confirm(ctx, 'WARNING! This will remove anonymous local volumes not used by at least one container.'))
    )
      return 0;
    const { output, reclaimed } = pruneVolumes(ctx, flags.all as boolean, filters);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
