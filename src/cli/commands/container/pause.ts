// `pause`: the container's processes frozen.
import { eachArg, type Command } from '../../command';

export const containerPause: Command = {
  name: 'container pause',
  aliases: [['pause']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Pause all processes within one or more containers',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, (a) => ctx.containers.pause(a, true)),
};
