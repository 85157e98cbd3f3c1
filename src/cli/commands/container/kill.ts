// `kill`: a signal to running containers.
import { eachArg, type Command } from '../../command';

export const containerKill: Command = {
  name: 'container kill',
  aliases: [['kill']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  minArgs: 1,
  flags: [
    {
      long: 'signal',
      short: 's',
      kind: 'string',
      valueName: 'string',
      help: 'Signal to send to the container',
      default: 'KILL',
    },
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.kill(a, String(flags.signal));
    }),
};
