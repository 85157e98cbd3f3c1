// `restart`: stop (as `stop` does), then start again.
import { eachArg, STOP_TIMEOUT_FLAG, type Command } from '../../command';

export const containerRestart: Command = {
  name: 'container restart',
  aliases: [['restart']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  minArgs: 1,
  flags: [
    { long: 'signal', short: 's', kind: 'string', valueName: 'string', help: 'Signal to send to the container' },
    STOP_TIMEOUT_FLAG,
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.restart(
        a,
        flags._changed.has('timeout') ? (flags.timeout as number) : undefined,
        (flags.signal as string) || undefined,
      );
    }),
};
