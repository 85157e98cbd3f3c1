// `network create / ls / inspect / rm / prune`.
import { shortId } from '../../../digest';
import { isNotFound, notFound } from '../../../errdefs';
import type { NetworkConfig } from '../../../network/types';
import {
  INSPECT_FORMAT_FLAG,
  FILTER_FLAG,
  FORMAT_FLAG,
  NO_PROMPT_FLAG,
  NO_TRUNC_FLAG,
  PRUNE_FILTER_FLAG,
  QUIET_FLAG,
  eachArg,
  type Command,
} from '../../command';
import { parseFilters } from '../../../engine/filters';
import { NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS } from '../../../engine/networks';
import { formatRows, labelsColumn } from '../../output/table';
import { confirm, pruneNetworks } from '../../prune';
import { NETWORK_INSPECT } from '../../output/docker-types';
import { printInspect } from '../image/inspect';

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

export const networkList: Command = {
  name: 'network ls',
  aliases: [['network', 'list']],
  usage: '[OPTIONS]',
  description: 'List networks',
  maxArgs: 0,
  flags: [FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG('Only display network IDs')],
  async run(ctx, _args, flags) {
    const nets = await ctx.networks.list(parseFilters(flags.filter, NETWORK_LIST_FILTERS));
    const trunc = !flags['no-trunc'];
    nets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // the docker CLI sorts by name
    const rows = nets.map((n) => ({
      ID: trunc ? shortId(n.id) : n.id,
      Name: n.name,
      Driver: n.driver,
      Scope: 'local',
      IPv6: 'false',
      Internal: String(n.internal),
      Labels: labelsColumn(n.labels),
      CreatedAt: n.created,
    }));
    ctx.out(
      formatRows(flags.quiet ? '{{.ID}}' : (flags.format as string), rows, {
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        headers: {
          ID: 'NETWORK ID',
          Name: 'NAME',
          Driver: 'DRIVER',
          Scope: 'SCOPE',
          IPv6: 'IPV6',
          Internal: 'INTERNAL',
          Labels: 'LABELS',
          CreatedAt: 'CREATED',
        },
      }),
    );
  },
};

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

export const networkPrune: Command = {
  name: 'network prune',
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  maxArgs: 0,
  flags: [PRUNE_FILTER_FLAG, NO_PROMPT_FLAG],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, NETWORK_PRUNE_FILTERS);
    if (
      !flags.force &&
      !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
    )
      return 0;
    const { output } = await pruneNetworks(ctx, filters);
    if (output) ctx.out(`${output}\n`);
  },
};

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
