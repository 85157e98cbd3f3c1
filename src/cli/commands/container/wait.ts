// `wait`: the exit codes, once the containers stop.
import { eachArg, command } from '../../command';

export const containerWait = command({
  name: 'container wait',
  aliases: [['wait']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, async (a) => String(await ctx.containers.wait(a))),
});
