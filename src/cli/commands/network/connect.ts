// `network connect`.
import { type Command } from '../../command';

export const networkConnect: Command = {
  name: 'network connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'alias', kind: 'list', valueName: 'strings', help: 'Add network-scoped alias for the container' },
    { long: 'ip', kind: 'string', valueName: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
  ],
  async run(ctx, [network, container], flags) {
    await ctx.networks.connect(container, network, {
      aliases: flags.alias as string[],
      ipv4Address: (flags.ip as string) || undefined,
    });
  },
};
