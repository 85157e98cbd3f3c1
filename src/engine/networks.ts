// Networks as the Docker engine serves them: list with filters, inspect in
// Docker's shape, create, remove (refused while containers use it), prune,
// connect and disconnect; each change recorded as an event.
import { conflict, isNotFound } from '../errdefs';
import type { CreateNetworkOptions } from '../network/manager';
import type { NetworkConfig } from '../network/types';
import type { ContainerService } from './containers';
import type { EndpointOptions } from './container-create';
import { connectedNetworks } from '../container/namespace-modes';
import { labelMatches, untilTime, type Filters } from './filters';

export const NETWORK_LIST_FILTERS = ['name', 'id', 'driver', 'label', 'type', 'scope', 'dangling'];
export const NETWORK_PRUNE_FILTERS = ['until', 'label', 'label!'];
const PREDEFINED = ['bridge', 'host', 'none'];

/** Docker's filter values are regular expressions; one that is not matches as a substring. */
function matchesPattern(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    // not a valid regular expression: Docker then matches it as a substring
    return s.includes(pattern);
  }
}

export class NetworkService {
  constructor(private readonly containers: ContainerService) {}

  private get manager() {
    return this.containers.networking.manager;
  }

  list(filters: Filters = new Map()): Promise<NetworkConfig[]> {
    return this.manager.list().then((nets) => {
      const used = filters.has('dangling') ? this.usedNames() : new Set<string>();
      return nets.filter(
        (n) =>
          (filters.get('name')?.some((x) => matchesPattern(x, n.name)) ?? true) &&
          (filters.get('id')?.some((x) => n.id.startsWith(x)) ?? true) &&
          (filters.get('driver')?.includes(n.driver) ?? true) &&
          (filters.get('scope')?.includes('local') ?? true) &&
          (filters.get('type')?.includes(PREDEFINED.includes(n.name) ? 'builtin' : 'custom') ?? true) &&
          (filters
            .get('dangling')
            ?.some((d) =>
              ['true', '1'].includes(d)
                ? !used.has(n.name) && !PREDEFINED.includes(n.name)
                : used.has(n.name) || PREDEFINED.includes(n.name),
            ) ??
            true) &&
          labelMatches(filters.get('label'), n.labels),
      );
    });
  }

  find(nameOrId: string): Promise<NetworkConfig> {
    return this.manager.inspect(nameOrId);
  }

  /** Docker's types.NetworkResource. */
  inspect(net: NetworkConfig): Record<string, unknown> {
    const containers: Record<string, unknown> = {};
    for (const c of this.containers.list()) {
      const ep = c.state.Networks?.[net.name];
      if (!ep || (c.state.Status !== 'running' && c.state.Status !== 'paused')) continue;
      containers[c.record.id] = {
        Name: c.record.name,
        EndpointID: ep.EndpointID,
        MacAddress: ep.MacAddress,
        IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen}`,
        IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '',
      };
    }
    return {
      Name: net.name,
      Id: net.id,
      Created: net.created,
      Scope: 'local',
      Driver: net.driver,
      EnableIPv6: !!net.enableIPv6,
      IPAM: {
        Driver: 'default',
        Options: null,
        Config: [
          ...(net.subnet
            ? [
                {
                  Subnet: net.subnet,
                  Gateway: net.gateway,
                  ...(net.ipRange ? { IPRange: net.ipRange } : {}),
                  ...(net.auxAddresses ? { AuxiliaryAddresses: net.auxAddresses } : {}),
                },
              ]
            : []),
          // the IPv6 pool as given, as Docker shows a configured one
          ...(net.ipv6
            ? [
                {
                  Subnet: net.ipv6.subnet,
                  ...(net.ipv6.ipRange ? { IPRange: net.ipv6.ipRange } : {}),
                  ...(net.ipv6.gateway ? { Gateway: net.ipv6.gateway } : {}),
                },
              ]
            : []),
        ],
      },
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

  /** A network already named `name` (by exact name): what CheckDuplicate=false warns about. */
  async named(name: string): Promise<NetworkConfig | undefined> {
    return (await this.manager.list()).find((n) => n.name === name);
  }

  async create(name: string, opts: CreateNetworkOptions): Promise<NetworkConfig> {
    const net = await this.manager.create(name, opts);
    this.containers.events.network(net.id, net.name, 'create', { type: net.driver });
    return net;
  }

  async remove(nameOrId: string): Promise<void> {
    const net = await this.manager.inspect(nameOrId);
    const users = this.containers.records
      .list()
      .filter(
        (c) =>
          connectedNetworks(c.record).includes(net.name) &&
          (c.state.Status === 'running' || c.state.Status === 'paused'),
      );
    if (users.length)
      throw conflict(`error while removing network: network ${net.name} id ${net.id} has active endpoints`);
    await this.manager.remove(net.id);
    this.containers.events.network(net.id, net.name, 'destroy', { type: net.driver });
  }

  /** Removes the user-defined networks no container uses (and that pass the filters); returns their names. */
  async prune(filters: Filters = new Map()): Promise<string[]> {
    const used = this.usedNames();
    const until = filters.get('until')?.map((u) => untilTime(u));
    const pruned: NetworkConfig[] = [];
    await this.manager.prune((n) => {
      const keep =
        PREDEFINED.includes(n.name) ||
        used.has(n.name) ||
        !labelMatches(filters.get('label'), n.labels) ||
        (filters.get('label!') ?? []).some((l) => labelMatches([l], n.labels)) ||
        (until !== undefined && until.some((t) => Date.parse(n.created) >= t));
      if (!keep) pruned.push(n);
      return !keep;
    });
    for (const n of pruned) this.containers.events.network(n.id, n.name, 'destroy', { type: n.driver });
    return pruned.map((n) => n.name);
  }

  async connect(containerIdOrName: string, network: string, opts: EndpointOptions = {}): Promise<void> {
    const c = this.containers.find(containerIdOrName);
    await this.containers.networking.connect(c, network, opts);
    const net = await this.manager.inspect(network);
    this.containers.events.network(net.id, net.name, 'connect', { container: c.record.id, type: net.driver });
  }

  async disconnect(containerIdOrName: string, network: string, force = false): Promise<void> {
    let c;
    try {
      c = this.containers.find(containerIdOrName);
    } catch (e) {
      if (force && isNotFound(e)) return; // as Docker: -f lets a removed container's endpoint go
      throw e;
    }
    await this.containers.networking.disconnect(c, network);
    const net = await this.manager.inspect(network);
    this.containers.events.network(net.id, net.name, 'disconnect', { container: c.record.id, type: net.driver });
  }

  private usedNames(): Set<string> {
    return new Set(this.containers.records.list().flatMap((c) => connectedNetworks(c.record)));
  }
}
