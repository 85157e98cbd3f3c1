// `stop`: the stop signal, then SIGKILL after the timeout.
import { eachArg, STOP_TIMEOUT_FLAG, type Command } from '../../command';

export const containerStop: Command = {
  name: 'container stop',
  aliases: [['stop']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  minArgs: 1,
  flags: [
    { long: 'signal', short: 's', kind: 'string', valueName: 'string', help: 'Signal to send to the container' },
    STOP_TIMEOUT_FLAG,
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.stop(
        a,
        flags._changed.has('timeout') ? (flags.timeout as number) : undefined,
        (flags.signal as string) || undefined,
      );
    }),
};
