import { containerInspect } from '../../../engine/container-inspect';
import { INSPECT_FORMAT_FLAG, command } from '../../command';
import { CONTAINER_INSPECT } from '../../output/docker-types';
import { printInspect } from '../../output/inspect';

export const containerInspectCmd = command({
  name: 'container inspect',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG, { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' }],
  run: (ctx, args, flags) =>
    printInspect(ctx, args, flags.format, (r) => ({
      value: containerInspect(ctx.store, ctx.containerReads, ctx.containerReads.find(r), flags.size),
      type: CONTAINER_INSPECT,
    })),
});
