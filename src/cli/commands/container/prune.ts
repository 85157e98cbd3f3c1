// `container prune`: every stopped container.
import { type Command, NO_PROMPT_FLAG, PRUNE_FILTER_FLAG } from '../../command';
import { pruneContainers } from '../../prune';
import { confirm } from '../../output/confirm';
import { parseFilters } from '../../../engine/filters';
import { humanSize } from '../../../util/units';

export const containerPrune: Command = {
  name: 'container prune',
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [PRUNE_FILTER_FLAG, NO_PROMPT_FLAG],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, ['until', 'label', 'label!']);
    if (!flags.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    const { output, reclaimed } = await pruneContainers(ctx, filters);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
