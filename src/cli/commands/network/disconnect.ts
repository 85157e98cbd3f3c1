// `network disconnect`.
import { type Command } from '../../command';

export const networkDisconnect: Command = {
  name: 'network disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  async run(ctx, [network, container], flags) {
    await ctx.networks.disconnect(container, network, !!flags.force);
  },
};
