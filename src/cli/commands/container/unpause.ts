// `unpause`: the container's processes thawed.
import { eachArg, type Command } from '../../command';

export const containerUnpause: Command = {
  name: 'container unpause',
  aliases: [['unpause']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, (a) => ctx.containers.pause(a, false)),
};
