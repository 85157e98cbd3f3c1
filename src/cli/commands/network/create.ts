// `network create`.
import { type Command } from '../../command';

function kv(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])),
  );
}

export const networkCreate: Command = {
  name: 'network create',
  usage: '[OPTIONS] NETWORK',
  description: 'Create a network',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    {
      long: 'driver',
      short: 'd',
      kind: 'string',
      valueName: 'string',
      default: 'bridge',
      help: 'Driver to manage the Network',
    },
    { long: 'gateway', kind: 'string', valueName: 'string', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { long: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { long: 'ip-range', kind: 'string', valueName: 'string', help: 'Allocate container ip from a sub-range' },
    { long: 'label', kind: 'list', help: 'Set metadata on a network' },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options' },
    {
      long: 'subnet',
      kind: 'string',
      valueName: 'string',
      help: 'Subnet in CIDR format that represents a network segment',
    },
  ],
  async run(ctx, [name], flags) {
    const net = await ctx.networks.create(name, {
      driver: flags.driver as string,
      subnet: (flags.subnet as string) || undefined,
      gateway: (flags.gateway as string) || undefined,
      ipRange: (flags['ip-range'] as string) || undefined,
      internal: flags.internal as boolean,
      labels: kv(flags.label as string[]),
      options: kv(flags.opt as string[]),
    });
    ctx.out(`${net.id}\n`);
  },
};
