// Networks and attachments in memory, for services tested without bridges, CNI
// or root (see backend-contract.ts, which holds it to NetworkManager's behaviour).
// Namespaces are not checked: any path names one.
import { randomBytes } from 'node:crypto';
import { alreadyExists, conflict, invalidArgument, notFound, StowageError } from '../errdefs';
import type { NetworkBackend } from './backend';
import type { CreateNetworkOptions } from './networks';
import { contains, intToIp, parseCidr } from './subnet';
import type { AttachOptions, Endpoint, NetworkConfig, Peer } from './types';

const newId = () => randomBytes(32).toString('hex');
const PREDEFINED = ['bridge', 'host', 'none'];

export class FakeNetworks implements NetworkBackend {
  private readonly nets: NetworkConfig[] = [];
  private readonly attached: Array<{ containerId: string; netId: string; name: string; endpoint: Endpoint }> = [];
  private nextSubnet = 0;

  /** `pool`: the /16 that subnets (/24 each) are taken from, the first for the default bridge. */
  constructor(private readonly pool = '10.200.0.0/16') {
    const now = new Date().toISOString();
    const base = { internal: false, labels: {}, options: {}, created: now };
    this.nets.push({ ...base, name: 'bridge', id: newId(), driver: 'bridge', bridge: 'fake0', ...this.subnet() });
    this.nets.push({ ...base, name: 'host', id: newId(), driver: 'host' });
    this.nets.push({ ...base, name: 'none', id: newId(), driver: 'null' });
  }

  private subnet(): { subnet: string; gateway: string } {
    const start = parseCidr(this.pool).base + 256 * this.nextSubnet++;
    return { subnet: `${intToIp(start)}/24`, gateway: intToIp(start + 1) };
  }

  async list(): Promise<NetworkConfig[]> {
    return this.nets.map((n) => ({ ...n }));
  }

  async inspect(nameOrId: string): Promise<NetworkConfig> {
    return { ...this.find(nameOrId) };
  }

  private find(term: string): NetworkConfig {
    const byId = this.nets.find((n) => n.id === term);
    if (byId) return byId;
    const byName = this.nets.find((n) => n.name === term);
    if (byName) return byName;
    const byPrefix = term === '' ? [] : this.nets.filter((n) => n.id.startsWith(term));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1)
      throw invalidArgument(`network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${term} not found`);
  }

  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkConfig> {
    if (PREDEFINED.includes(name))
      throw new StowageError('forbidden', `operation is not permitted on predefined ${name} network `);
    if (name === '') throw invalidArgument('network name must not be empty');
    if (opts.checkDuplicate !== false && this.nets.some((n) => n.name === name))
      throw alreadyExists(`network with name ${name} already exists`);
    const net: NetworkConfig = {
      name,
      id: newId(),
      driver: 'bridge',
      bridge: `fake${this.nets.length}`,
      ...this.subnet(),
      internal: !!opts.internal,
      labels: { ...(opts.labels ?? {}) },
      options: {},
      created: new Date().toISOString(),
    };
    this.nets.push(net);
    return { ...net };
  }

  private endpointsOn(netId: string) {
    return this.attached.filter((a) => a.netId === netId);
  }

  async remove(nameOrId: string): Promise<void> {
    const net = this.find(nameOrId);
    if (PREDEFINED.includes(net.name))
      throw new StowageError('forbidden', `${net.name} is a pre-defined network and cannot be removed`);
    if (this.endpointsOn(net.id).length > 0)
      throw new StowageError(
        'forbidden',
        `error while removing network: network ${net.name} id ${net.id} has active endpoints`,
      );
    this.nets.splice(this.nets.indexOf(net), 1);
  }

  async prune(filter: (net: NetworkConfig) => boolean = () => true): Promise<string[]> {
    const removed: string[] = [];
    for (const net of [...this.nets]) {
      if (PREDEFINED.includes(net.name) || !filter(net) || this.endpointsOn(net.id).length > 0) continue;
      this.nets.splice(this.nets.indexOf(net), 1);
      removed.push(net.name);
    }
    return removed;
  }

  async attach(containerId: string, _netns: string, network: string, opts: AttachOptions): Promise<Endpoint> {
    const net = this.find(network);
    const empty = { Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', Aliases: [], InterfaceName: '' };
    if (net.driver !== 'bridge')
      return { NetworkID: net.id, NetworkName: net.name, EndpointID: newId(), ...empty, Ports: {} };
    const subnet = parseCidr(net.subnet ?? '0.0.0.0/32');
    if (opts.ip !== undefined) {
      if (net.name === 'bridge')
        throw invalidArgument('user specified IP address is supported on user defined networks only');
      if (!contains(subnet, opts.ip))
        throw invalidArgument(`no configured subnet or ip-range contain the IP address ${opts.ip}`);
    }
    const mine = this.attached.filter((a) => a.containerId === containerId);
    if (mine.some((a) => a.netId === net.id))
      throw conflict(`endpoint with name ${opts.name} already exists in network ${net.name}`);
    const taken = new Set([net.gateway, ...this.endpointsOn(net.id).map((a) => a.endpoint.IPAddress)]);
    let ip = opts.ip;
    if (ip === undefined) {
      for (let n = subnet.base + 2; ; n++) {
        if (!taken.has(intToIp(n))) {
          ip = intToIp(n);
          break;
        }
      }
    } else if (taken.has(ip)) throw conflict('Address already in use');
    const used = new Set(mine.map((a) => a.endpoint.InterfaceName));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    const octets = ip.split('.').map(Number);
    const endpoint: Endpoint = {
      NetworkID: net.id,
      NetworkName: net.name,
      EndpointID: newId(),
      Gateway: net.gateway ?? '',
      IPAddress: ip,
      IPPrefixLen: subnet.prefix,
      MacAddress: ['02', '42', ...octets.map((o) => o.toString(16).padStart(2, '0'))].join(':'),
      Aliases: opts.aliases ?? [],
      InterfaceName: `eth${i}`,
      Ports: net.internal ? {} : { ...(opts.ports ?? {}) },
    };
    this.attached.push({ containerId, netId: net.id, name: opts.name, endpoint });
    return { ...endpoint };
  }

  async detach(containerId: string, _netns: string | undefined, network: string): Promise<void> {
    let net: NetworkConfig;
    try {
      net = this.find(network);
    } catch {
      return; // the network is gone: so is the attachment
    }
    const i = this.attached.findIndex((a) => a.containerId === containerId && a.netId === net.id);
    if (i >= 0) this.attached.splice(i, 1);
  }

  async detachAll(containerId: string): Promise<void> {
    for (let i = this.attached.length - 1; i >= 0; i--)
      if (this.attached[i].containerId === containerId) this.attached.splice(i, 1);
  }

  endpoints(containerId: string): Endpoint[] {
    return this.attached.filter((a) => a.containerId === containerId).map((a) => ({ ...a.endpoint }));
  }

  peers(network: string): Peer[] {
    return this.attached
      .filter((a) => a.netId === network || a.endpoint.NetworkName === network)
      .map((a) => ({
        containerId: a.containerId,
        ip: a.endpoint.IPAddress,
        name: a.name,
        aliases: a.endpoint.Aliases,
      }));
  }
}
