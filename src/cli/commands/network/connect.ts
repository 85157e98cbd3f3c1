// `network connect`.
import { command } from '../../command';

export const networkConnect = command({
  name: 'network connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'alias', kind: 'list', valueName: 'strings', help: 'Add network-scoped alias for the container' },
    { long: 'ip', kind: 'string', valueName: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    { long: 'link', kind: 'list', valueName: 'list', help: 'Add link to another container' },
  ],
  async run(ctx, [network, container], flags) {
    await ctx.networks.connect(container, network, {
      aliases: flags.alias,
      ipv4Address: flags.ip || undefined,
      ...(flags.link.length ? { links: flags.link } : {}),
    });
  },
});
