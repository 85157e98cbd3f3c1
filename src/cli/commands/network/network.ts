// `network create / ls / inspect / rm / prune`.
import { shortId } from '../../../digest';
import { conflict, isNotFound, notFound } from '../../../errdefs';
import type { NetworkConfig } from '../../../network/types';
import { INSPECT_FORMAT_FLAG, FILTER_FLAG, FORMAT_FLAG, NO_PROMPT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG, eachArg, type Command } from '../../command';
import type { Ctx } from '../../context';
import { labelMatches, parseFilters } from '../../../engine/filters';
import { formatRows, labelsColumn } from '../../output/table';
import { confirm } from '../image/prune';
import { NETWORK_INSPECT } from '../../output/docker-types';
import { printInspect } from '../image/inspect';
import type { Pruned } from '../container/lifecycle';
import { connectedNetworks } from '../../../engine/container-network';

const PREDEFINED = ['bridge', 'host', 'none'];

/** Containers attached to a network (running ones with an endpoint on it). */
function members(ctx: Ctx, net: NetworkConfig) {
  return ctx.containers.list().filter((c) => c.state.Networks?.[net.name] && (c.state.Status === 'running' || c.state.Status === 'paused'));
}

export function networkInspect(ctx: Ctx, net: NetworkConfig): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const c of members(ctx, net)) {
    const ep = c.state.Networks![net.name];
    containers[c.record.id] = { Name: c.record.name, EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen}`, IPv6Address: '' };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: net.subnet ? [{ Subnet: net.subnet, Gateway: net.gateway, ...(net.ipRange ? { IPRange: net.ipRange } : {}) }] : [] },
    Internal: net.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: net.options,
    Labels: net.labels,
  };
}

function kv(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

export const networkCreate: Command = {
  name: 'network create',
  usage: '[OPTIONS] NETWORK',
  description: 'Create a network',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'driver', short: 'd', kind: 'string', valueName: 'string', default: 'bridge', help: 'Driver to manage the Network' },
    { long: 'gateway', kind: 'string', valueName: 'string', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { long: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { long: 'ip-range', kind: 'string', valueName: 'string', help: 'Allocate container ip from a sub-range' },
    { long: 'label', kind: 'list', help: 'Set metadata on a network' },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options' },
    { long: 'subnet', kind: 'string', valueName: 'string', help: 'Subnet in CIDR format that represents a network segment' },
  ],
  async run(ctx, [name], flags) {
    const net = await ctx.containers.networking.manager.create(name, {
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
    const f = parseFilters(flags.filter, ['name', 'id', 'driver', 'label', 'type', 'scope', 'dangling']);
    const nets = (await ctx.containers.networking.manager.list()).filter(
      (n) =>
        (!f.get('name') || f.get('name')!.some((x) => n.name.includes(x))) &&
        (!f.get('id') || f.get('id')!.some((x) => n.id.startsWith(x))) &&
        (!f.get('driver') || f.get('driver')!.includes(n.driver)) &&
        (!f.get('type') || f.get('type')!.includes(PREDEFINED.includes(n.name) ? 'builtin' : 'custom')) &&
        labelMatches(f.get('label'), n.labels),
    );
    const trunc = !flags['no-trunc'];
    nets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // the docker CLI sorts by name
    const rows = nets.map((n) => ({
      ID: trunc ? shortId(n.id) : n.id, Name: n.name, Driver: n.driver, Scope: 'local', IPv6: 'false', Internal: String(n.internal),
      Labels: labelsColumn(n.labels), CreatedAt: n.created,
    }));
    ctx.out(
      formatRows(flags.quiet ? '{{.ID}}' : (flags.format as string), rows, {
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED' },
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
    for (const a of args) await ctx.containers.networking.manager.inspect(a).then((n) => found.set(a, n), () => {});
    return printInspect(ctx, args, flags.format as string, (a) => {
      const n = found.get(a);
      if (!n) throw notFound(`network ${a} not found`);
      return { value: networkInspect(ctx, n), type: NETWORK_INSPECT };
    });
  },
};

async function removeNetwork(ctx: Ctx, nameOrId: string): Promise<void> {
  const m = ctx.containers.networking.manager;
  const net = await m.inspect(nameOrId);
  const users = ctx.containers.records.list().filter((c) => connectedNetworks(c.record).includes(net.name) && (c.state.Status === 'running' || c.state.Status === 'paused'));
  if (users.length) throw conflict(`error while removing network: network ${net.name} id ${net.id} has active endpoints`);
  await m.remove(nameOrId);
}


export const networkRemove: Command = {
  name: 'network rm',
  aliases: [['network', 'remove']],
  usage: 'NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  run: (ctx, args, flags) => eachArg(ctx, args, (a) => removeNetwork(ctx, a), (e) => !!flags.force && isNotFound(e) && 'quiet'),
};

export const networkPrune: Command = {
  name: 'network prune',
  usage: '[OPTIONS]',
  description: 'Remove all unused networks',
  maxArgs: 0,
  flags: [
    { long: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    if (!flags.force && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return 0;
    const { output } = await pruneNetworks(ctx);
    if (output) ctx.out(`${output}\n`);
  },
};

export async function pruneNetworks(ctx: Ctx): Promise<Pruned> {
  const used = new Set(ctx.containers.records.list().flatMap((c) => connectedNetworks(c.record)));
  const removed = await ctx.containers.networking.manager.prune((n) => !PREDEFINED.includes(n.name) && !used.has(n.name));
  return { output: removed.length ? `Deleted Networks:\n${removed.join('\n')}\n` : '', reclaimed: 0 };
}

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
    const c = ctx.containers.find(container);
    await ctx.containers.networking.connect(c, network, { aliases: flags.alias as string[], ip: (flags.ip as string) || undefined });
  },
};

export const networkDisconnect: Command = {
  name: 'network disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  async run(ctx, [network, container]) {
    await ctx.containers.networking.disconnect(ctx.containers.find(container), network);
  },
};
