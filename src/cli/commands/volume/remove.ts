// `volume rm`.
import { eachArg, type Command } from '../../command';

export const volumeRemove: Command = {
  name: 'volume rm',
  aliases: [['volume', 'remove']],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  run: (ctx, args, flags) => eachArg(ctx, args, (name) => ctx.volumes.remove(name, flags.force as boolean)),
};
