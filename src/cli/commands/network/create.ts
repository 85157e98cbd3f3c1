// `network create`.
import { invalidArgument } from '../../../errdefs';
import { command } from '../../command';

function kv(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])),
  );
}

export const networkCreate = command({
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
    { long: 'gateway', kind: 'list', valueName: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { long: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { long: 'ip-range', kind: 'list', valueName: 'strings', help: 'Allocate container ip from a sub-range' },
    { long: 'ipv6', kind: 'bool', help: 'Enable or disable IPv6 networking' },
    { long: 'label', kind: 'list', help: 'Set metadata on a network' },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options' },
    {
      long: 'subnet',
      kind: 'list',
      valueName: 'strings',
      help: 'Subnet in CIDR format that represents a network segment',
    },
  ],
  async run(ctx, [name], flags) {
    // string slices, as the docker CLI's: repeated or comma-separated; IPv6 ones are the IPv6 pool's
    const values = (f: string[]) => f.flatMap((v) => v.split(',')).filter(Boolean);
    const [subnets, gateways, ranges] = [values(flags.subnet), values(flags.gateway), values(flags['ip-range'])];
    if (subnets.length < ranges.length || subnets.length < gateways.length)
      throw invalidArgument('every ip-range or gateway must have a corresponding subnet');
    const [v4, v6] = [false, true].map((six) => {
      const of = (l: string[]) => l.filter((v) => v.includes(':') === six);
      if (of(subnets).length > 1) throw invalidArgument("bridge driver doesn't support multiple subnets");
      return { subnet: of(subnets)[0], gateway: of(gateways)[0], ipRange: of(ranges)[0] };
    });
    for (const [what, v] of [
      ['gateway', v6.gateway],
      ['range', v6.ipRange],
    ] as const)
      if (v && !v6.subnet) throw invalidArgument(`no matching subnet for ${what} ${v}`);
    const net = await ctx.networks.create(name, {
      driver: flags.driver,
      subnet: v4.subnet,
      gateway: v4.gateway,
      ipRange: v4.ipRange,
      enableIPv6: flags.ipv6,
      ...(v6.subnet
        ? {
            ipv6: {
              subnet: v6.subnet,
              ...(v6.gateway ? { gateway: v6.gateway } : {}),
              ...(v6.ipRange ? { ipRange: v6.ipRange } : {}),
            },
          }
        : {}),
      checkDuplicate: true,
      internal: flags.internal,
      labels: kv(flags.label),
      options: kv(flags.opt),
    });
    ctx.out(`${net.id}\n`);
  },
});
