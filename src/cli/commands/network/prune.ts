// `network prune`: every custom network no container uses.
import { NO_PROMPT_FLAG, PRUNE_FILTER_FLAG, type Command } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { NETWORK_PRUNE_FILTERS } from '../../../engine/networks';
import { pruneNetworks } from '../../prune';
import { confirm } from '../../output/confirm';

export const networkPrune: Command = {
  name: 'network prune',
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  maxArgs: 0,
  flags: [PRUNE_FILTER_FLAG, NO_PROMPT_FLAG],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, NETWORK_PRUNE_FILTERS);
    if (
      !flags.force &&
      !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
    )
      return 0;
    const { output } = await pruneNetworks(ctx, filters);
    if (output) ctx.out(`${output}\n`);
  },
};
