// `unpause`: the container's processes thawed.
import { eachArg, command } from '../../command';

export const containerUnpause = command({
  name: 'container unpause',
  aliases: [['unpause']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, (a) => ctx.containers.pause(a, false)),
});
