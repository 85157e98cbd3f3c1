// `wait`: the exit codes, once the containers stop.
import { eachArg, type Command } from '../../command';

export const containerWait: Command = {
  name: 'container wait',
  aliases: [['wait']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, async (a) => String(await ctx.containers.wait(a))),
};
