// `network inspect`.
import { notFound } from '../../../errdefs';
import type { NetworkConfig } from '../../../network/types';
import { INSPECT_FORMAT_FLAG, type Command } from '../../command';
import { NETWORK_INSPECT } from '../../output/docker-types';
import { printInspect } from '../../output/inspect';

export const networkInspectCmd: Command = {
  name: 'network inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  async run(ctx, args, flags) {
    const found = new Map<string, NetworkConfig>();
    for (const a of args)
      await ctx.networks.find(a).then(
        (n) => found.set(a, n),
        () => {},
      );
    return printInspect(ctx, args, flags.format as string, (a) => {
      const n = found.get(a);
      if (!n) throw notFound(`network ${a} not found`);
      return { value: ctx.networks.inspect(n), type: NETWORK_INSPECT };
    });
  },
};
