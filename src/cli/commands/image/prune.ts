// `image prune`: dangling images, or with -a every unused one.
import { parseFilters } from '../../../engine/filters';
import { IMAGE_PRUNE_FILTERS } from '../../../engine/images';
import { type Command, NO_PROMPT_FLAG, PRUNE_FILTER_FLAG } from '../../command';
import { pruneImages } from '../../prune';
import { confirm } from '../../output/confirm';
import { humanSize } from '../../../util/units';

export const imagePrune: Command = {
  name: 'image prune',
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    PRUNE_FILTER_FLAG,
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, IMAGE_PRUNE_FILTERS);
    const warning = flags.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!flags.force && !(await confirm(ctx, warning))) return 0;
    const { output, reclaimed } = pruneImages(ctx, flags.all as boolean, filters);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
