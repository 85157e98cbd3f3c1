// `network rm`.
import { isNotFound } from '../../../errdefs';
import { eachArg, type Command } from '../../command';

export const networkRemove: Command = {
  name: 'network rm',
  aliases: [['network', 'remove']],
  usage: 'NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  run: (ctx, args, flags) =>
    eachArg(
      ctx,
      args,
      (a) => ctx.networks.remove(a),
      (e) => !!flags.force && isNotFound(e) && 'quiet',
    ),
};
