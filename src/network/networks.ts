// Network definitions: Docker's lookup, the predefined networks, and `network
// create/rm/prune`. A bridge network is a Linux bridge with an IPv4 subnet
// (bridges.ts); definitions live in a NetworkStore (JSON files under
// <root>/networks by default). Creating and removing take the state DB's write
// lock, as attaching does, so they are serialized with other stowage processes
// and checked against the attachments.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { StowageError, alreadyExists, conflict, internal, invalidArgument, notFound } from '../errdefs';
import { ensureBridgeRules } from './bridge-rules';
import { claimBridge, teardownBridge } from './bridges';
import { netNaming } from './naming';
import { networkLinkExists } from './host-netns';
import { contains, parseCidr } from './subnet';
import { contains6, overlaps6, parseCidr6 } from './subnet6';
import { ensureStoreId, linkOwner, reclaimOrphanBridges, setLinkOwner } from './owners';
import type { StateDb } from '../metadata/network-state';
import type { Ipv6Pool, NetworkConfig, NetworkStore } from './types';

export { DEFAULT_BRIDGE_POOLS, USER_NETWORK_POOLS, USER_NETWORK_PREFIX, DEFAULT_BRIDGE_PREFIX } from './naming';
export const PREDEFINED = ['bridge', 'host', 'none'] as const;

const isPredefined = (name: string) => (PREDEFINED as readonly string[]).includes(name);

export interface CreateNetworkOptions {
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  /** IPAM AuxiliaryAddresses: names for addresses no container gets */
  auxAddresses?: Record<string, string>;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /**
   * Refuse a name another network has (default). The API's CheckDuplicate=false
   * lets a second one be made, as Docker 20.10 does; lookups by that name are then ambiguous.
   */
  checkDuplicate?: boolean;
  /** EnableIPv6: containers get an address of the IPv6 pool too */
  enableIPv6?: boolean;
  /** an IPv6 pool (IPAM config with an IPv6 subnet), kept even without enableIPv6 as Docker 20.10 does */
  ipv6?: Ipv6Pool;
}

/**
 * An IPv6 pool checked as libnetwork checks it: a subnet (none to pick from:
 * stowage has no default IPv6 pools, nor has Docker 20.10 unless configured),
 * gateway inside it, no overlap with this store's other IPv6 networks' pools.
 */
function checkIpv6(opts: CreateNetworkOptions, others: NetworkConfig[]): Ipv6Pool | undefined {
  const pool = opts.ipv6;
  if (!pool) {
    if (opts.enableIPv6)
      throw invalidArgument(
        'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network',
      );
    return undefined;
  }
  let subnet;
  try {
    subnet = parseCidr6(pool.subnet);
  } catch (e) {
    throw internal(`Invalid subnet ${pool.subnet} : ${(e as Error).message}`, e);
  }
  if (pool.ipRange) parseCidr6(pool.ipRange);
  // libnetwork's wording (its IPAM cannot reserve the address); a 500 there too
  if (pool.gateway !== undefined && (!isIPv6(pool.gateway) || !contains6(subnet, pool.gateway)))
    throw internal(`failed to allocate gateway (${pool.gateway}): Requested address is out of range`);
  // libnetwork reserves an IPv6 pool only for a network with EnableIPv6
  for (const o of opts.enableIPv6 ? others : [])
    if (o.enableIPv6 && o.ipv6 && overlaps6(parseCidr6(o.ipv6.subnet), subnet))
      throw new StowageError('forbidden', 'Pool overlaps with other one on this address space');
  return {
    subnet: pool.subnet,
    ...(pool.gateway ? { gateway: pool.gateway } : {}),
    ...(pool.ipRange ? { ipRange: pool.ipRange } : {}),
  };
}

/**
 * Auxiliary addresses, checked to be in the subnet (libnetwork's message) and
 * reserved in host-local's data directory (a file named by the address, as it
 * keeps its own), so no container is given one.
 */
function reserveAux(net: NetworkConfig, aux: Record<string, string>, ipamDir: string): Record<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
  const subnet = parseCidr(net.subnet!);
  for (const [name, ip] of Object.entries(aux)) {
    if (!isIPv4(ip) || !contains(subnet, ip))
      throw invalidArgument(`auxiliary address: (${name}:${ip}) must belong to the master pool: ${net.subnet}`);
  }
  const dir = path.join(ipamDir, net.id);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, ip] of Object.entries(aux)) fs.writeFileSync(path.join(dir, ip), `aux:${name}\neth0`);
  return { ...aux };
}

/** A random 64-hex ID: networks' and endpoints'. */
export const newId = () => randomBytes(32).toString('hex');

/** The store whose bridges these are: recorded on each bridge (owners.ts). */
export interface StorePaths {
  root: string;
  runroot: string;
}

export class Networks {
  constructor(
    private readonly store: NetworkStore,
    private readonly state: StateDb,
    private readonly ipamDir: string,
    private readonly paths: StorePaths,
  ) {}

  /** Every network, the predefined ones (bridge, host, none) first created if missing. */
  async list(): Promise<NetworkConfig[]> {
    await this.ensureDefault();
    return this.store.list().sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }

  /**
   * Docker's lookup (api/server/router/network findUniqueNetwork): full ID, then
   * exact name, then unique ID prefix.
   */
  async inspect(nameOrId: string): Promise<NetworkConfig> {
    await this.ensureDefault();
    return this.find(nameOrId);
  }

  private find(term: string): NetworkConfig {
    const all = this.store.list();
    const byId = all.find((n) => n.id === term);
    if (byId) return byId;
    const byName = all.filter((n) => n.name === term);
    if (byName.length === 1) return byName[0];
    if (byName.length > 1)
      throw invalidArgument(`network ${term} is ambiguous (${byName.length} matches found based on name)`);
    const byPrefix = term === '' ? [] : all.filter((n) => n.id.startsWith(term));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1)
      throw invalidArgument(`network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${term} not found`);
  }

  /** The predefined networks: "bridge" (stowage's default bridge), "host" and "none". */
  async ensureDefault(): Promise<NetworkConfig> {
    const known = this.store.list();
    const existing = known.find((n) => n.name === 'bridge');
    if (existing && known.some((n) => n.name === 'host') && known.some((n) => n.name === 'none')) return existing;
    return this.state.exclusive(async () => {
      const all = this.store.list();
      for (const [name, driver] of [
        ['host', 'host'],
        ['none', 'null'],
      ] as const) {
        if (!all.some((n) => n.name === name)) {
          this.store.put({
            name,
            id: newId(),
            driver,
            internal: false,
            labels: {},
            options: {},
            created: new Date().toISOString(),
          });
        }
      }
      const bridge = all.find((n) => n.name === 'bridge');
      if (bridge) return bridge;
      const naming = netNaming();
      const net = await this.claim('bridge', newId(), naming.defaultPools, naming.defaultSize, {}, (i) =>
        naming.defaultBridge(i),
      );
      net.options = {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
        'com.docker.network.bridge.name': net.bridge!,
        'com.docker.network.driver.mtu': '1500',
      };
      this.store.put(net);
      return net;
    });
  }

  /** `docker network create`: a bridge network with its own bridge device and subnet. */
  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkConfig> {
    if (isPredefined(name) || name === 'default') {
      throw new StowageError('forbidden', `operation is not permitted on predefined ${name} network `);
    }
    if (name === '') throw invalidArgument('network name must not be empty');
    const driver = opts.driver ?? 'bridge';
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    await this.ensureDefault();
    return this.state.exclusive(async () => {
      if (opts.checkDuplicate !== false && this.store.list().some((n) => n.name === name))
        throw alreadyExists(`network with name ${name} already exists`);
      const ipv6 = checkIpv6(opts, this.store.list());
      const id = newId();
      const naming = netNaming();
      const net = await this.claim(name, id, naming.userPools, naming.userSize, opts, () => naming.userBridge(id));
      if (ipv6) net.ipv6 = ipv6;
      if (opts.enableIPv6) net.enableIPv6 = true;
      try {
        if (opts.auxAddresses && Object.keys(opts.auxAddresses).length)
          net.auxAddresses = reserveAux(net, opts.auxAddresses, this.ipamDir);
        await ensureBridgeRules(net); // isolated from the other networks from the start, as Docker's are
      } catch (err) {
        await teardownBridge(net, this.ipamDir);
        throw err;
      }
      this.store.put(net);
      return net;
    });
  }

  /**
   * A bridge network's definition, its bridge and subnet claimed on the host (not
   * stored yet). Bridges of stores that are gone are removed first, so their names
   * and subnets are free again; the new bridge records this store as its owner.
   */
  private async claim(
    name: string,
    id: string,
    pools: readonly string[],
    prefix: number,
    opts: CreateNetworkOptions,
    bridgeName: (i: number) => string,
  ): Promise<NetworkConfig> {
    await reclaimOrphanBridges();
    const owner = { store: ensureStoreId(this.paths.root, this.paths.runroot), network: id, ...this.paths };
    const { bridge, subnet, gateway } = claimBridge(this.store.list(), pools, prefix, opts, bridgeName, (br) =>
      setLinkOwner(br, owner),
    );
    return {
      name,
      id,
      driver: 'bridge',
      bridge,
      subnet,
      gateway,
      ...(opts.ipRange ? { ipRange: opts.ipRange } : {}),
      internal: opts.internal ?? false,
      labels: { ...(opts.labels ?? {}) },
      options: { ...(opts.options ?? {}) },
      created: new Date().toISOString(),
    };
  }

  /**
   * Labels a network's bridge with this store when it has no owner recorded (made by
   * an earlier version, or remade by the bridge plugin after it was deleted). One read.
   */
  ensureOwner(net: NetworkConfig): void {
    if (net.driver !== 'bridge' || !net.bridge || linkOwner(net.bridge) || !networkLinkExists(net.bridge)) return;
    setLinkOwner(net.bridge, {
      store: ensureStoreId(this.paths.root, this.paths.runroot),
      network: net.id,
      ...this.paths,
    });
  }

  /** `docker network rm`: refused for predefined networks and while containers are attached. */
  async remove(nameOrId: string): Promise<void> {
    await this.ensureDefault();
    await this.state.exclusive(async () => {
      const net = this.find(nameOrId);
      if (isPredefined(net.name)) {
        throw new StowageError('forbidden', `${net.name} is a pre-defined network and cannot be removed`);
      }
      if (this.state.count(net.id) > 0) {
        throw new StowageError(
          'forbidden',
          `error while removing network: network ${net.name} id ${net.id} has active endpoints`,
        );
      }
      await this.teardown(net);
    });
  }

  /** `docker network prune`: removes user-defined networks no container uses; returns their names. */
  async prune(filter: (net: NetworkConfig) => boolean = () => true): Promise<string[]> {
    await this.ensureDefault();
    return this.state.exclusive(async () => {
      const removed: string[] = [];
      for (const net of this.store.list()) {
        if (isPredefined(net.name) || !filter(net)) continue;
        if (this.state.count(net.id) > 0) continue;
        await this.teardown(net);
        removed.push(net.name);
      }
      return removed;
    });
  }

  /**
   * Tears down every network of this root (attachments must be gone): bridges
   * including the default one, isolation rules, IPAM state. For tests and
   * `system reset`; networks are defined again by the next ensureDefault().
   */
  async destroy(): Promise<void> {
    await this.state.exclusive(async () => {
      const n = this.state.count();
      if (n > 0) throw conflict(`${n} network endpoints are still attached`);
      for (const net of this.store.list()) await this.teardown(net);
    });
  }

  /** Removes a network from the host, then its definition. */
  private async teardown(net: NetworkConfig): Promise<void> {
    await teardownBridge(net, this.ipamDir);
    this.store.delete(net.id);
  }
}
