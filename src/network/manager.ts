// Networks and container attachments: Docker's bridge networks on CNI plugins.
//
// NetworkManager is the network layer's entry point, a facade over:
//   - networks.ts: definitions (lookup, the predefined networks, create, rm,
//     prune), with bridges.ts claiming a bridge device and subnet on the host
//     and a NetworkStore (json-store.ts by default) keeping them;
//   - attachments.ts: attach/detach through the CNI chain of conflist.ts, host
//     ports checked and reserved first (host-ports.ts);
//   - state-db.ts: the attachments in SQLite, and the write lock that
//     serializes stowage processes.
import path from 'node:path';
import { Attachments } from './attachments';
import { checkNetwork, type Finding } from './check';
import { netnsDir } from './netns';
import { readStoreId } from './owners';
import { isAlive } from '../util/proc';
import { CniRuntime } from './cni';
import type { ReservedPort } from './host-ports';
import { JsonNetworkStore } from './json-store';
import { runningResolvers, stopAllResolvers, stopResolver } from './dns-resolvers';
import { Networks, type CreateNetworkOptions } from './networks';
import { StateDb } from '../metadata/network-state';
import type { AttachOptions, Endpoint, NetworkConfig, NetworkStore, Peer } from './types';
import type { NetworkBackend } from './backend';

export { JsonNetworkStore } from './json-store';
export {
  DEFAULT_BRIDGE_POOLS,
  USER_NETWORK_POOLS,
  USER_NETWORK_PREFIX,
  DEFAULT_BRIDGE_PREFIX,
  PREDEFINED,
} from './networks';
export type { CreateNetworkOptions } from './networks';
export type { Finding } from './check';

export interface NetworkManagerOptions {
  root: string;
  runroot: string;
  /** directories of CNI plugins, ':'-separated (default /usr/lib/cni) */
  cniPath?: string;
  store?: NetworkStore;
}

export class NetworkManager implements NetworkBackend {
  readonly root: string;
  readonly runroot: string;
  readonly store: NetworkStore;
  readonly cni: CniRuntime;
  readonly stateDir: string;
  readonly ipamDir: string;
  private readonly state: StateDb;
  private readonly networks: Networks;
  private readonly attached: Attachments;

  constructor(opts: NetworkManagerOptions) {
    this.root = opts.root;
    this.runroot = opts.runroot;
    this.store = opts.store ?? new JsonNetworkStore(path.join(opts.root, 'networks'));
    this.cni = new CniRuntime({ cniPath: opts.cniPath });
    this.stateDir = path.join(opts.runroot, 'network');
    this.ipamDir = path.join(this.stateDir, 'ipam');
    this.state = new StateDb(this.stateDir);
    this.networks = new Networks(this.store, this.state, this.ipamDir, {
      root: path.resolve(opts.root),
      runroot: path.resolve(opts.runroot),
    });
    this.attached = new Attachments(this.state, this.cni, this.ipamDir, this.networks);
  }

  close(): void {
    this.state.close();
  }

  // --- networks ---------------------------------------------------------------

  /** Every network, the predefined ones (bridge, host, none) first created if missing. */
  list(): Promise<NetworkConfig[]> {
    return this.networks.list();
  }

  /** Docker's lookup: full ID, then exact name, then unique ID prefix. */
  inspect(nameOrId: string): Promise<NetworkConfig> {
    return this.networks.inspect(nameOrId);
  }

  /** The predefined networks: "bridge" (stowage's default bridge), "host" and "none". */
  ensureDefault(): Promise<NetworkConfig> {
    return this.networks.ensureDefault();
  }

  /** `docker network create`: a bridge network with its own bridge device and subnet. */
  create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkConfig> {
    return this.networks.create(name, opts);
  }

  /** `docker network rm`: refused for predefined networks and while containers are attached; its resolver stops. */
  async remove(nameOrId: string): Promise<void> {
    const net = await this.networks.inspect(nameOrId);
    await this.networks.remove(nameOrId);
    await stopResolver(this.runroot, net.id);
  }

  /** `docker network prune`: removes user-defined networks no container uses; returns their names. */
  async prune(filter: (net: NetworkConfig) => boolean = () => true): Promise<string[]> {
    const before = this.store.list();
    const removed = await this.networks.prune(filter);
    for (const n of before.filter((b) => removed.includes(b.name))) await stopResolver(this.runroot, n.id);
    return removed;
  }

  /** Tears down every network of this root (attachments must be gone) and their resolvers; for tests and `system reset`. */
  async destroy(): Promise<void> {
    await this.networks.destroy();
    await stopAllResolvers(this.runroot);
  }

  // --- attachments --------------------------------------------------------------

  /** Brings up lo in a namespace (loopback plugin). */
  loopback(netns: string, containerId = 'stowage-loopback'): Promise<void> {
    return this.attached.loopback(netns, containerId);
  }

  /** Connects a container's namespace to a network; the first network it joins gets the default route. */
  attach(containerId: string, netns: string, network: string, opts: AttachOptions): Promise<Endpoint> {
    return this.attached.attach(containerId, netns, network, opts);
  }

  /** Disconnects a container from a network. Idempotent; netns may be undefined or already removed. */
  detach(containerId: string, netns: string | undefined, network: string): Promise<void> {
    return this.attached.detach(containerId, netns, network);
  }

  /** Detaches a container from every network it is on (container stop, cleanup after a crash). */
  detachAll(containerId: string, netns?: string): Promise<void> {
    return this.attached.detachAll(containerId, netns);
  }

  /** Host ports held by attachments (stowage's table). */
  reservedPorts(): ReservedPort[] {
    return this.attached.reservedPorts();
  }

  /** A container's endpoints, in the order it joined the networks. */
  endpoints(containerId: string): Endpoint[] {
    return this.attached.endpoints(containerId);
  }

  /** Containers attached to a network: for `network inspect` Containers and /etc/hosts peers. */
  peers(network: string): Peer[] {
    return this.attached.peers(network);
  }

  /**
   * What the network layer left behind, on the host and in this store, for
   * `system check`; each finding can repair itself. `running` are the containers
   * that are running or paused (the others need no namespace and no attachment).
   */
  async check(running: ReadonlySet<string>): Promise<Finding[]> {
    return checkNetwork({
      storeId: readStoreId(this.root),
      networks: this.store.list(),
      ipamDir: this.ipamDir,
      netnsDir: netnsDir(this.runroot),
      attachments: this.state.allRows().map((r) => ({
        containerId: r.container_id,
        networkId: r.network_id,
        netns: r.netns,
        ownerAlive: r.complete === 0 && isAlive({ pid: r.owner_pid, start: r.owner_start }),
      })),
      running,
      detachAll: (id, netns) => this.detachAll(id, netns),
      resolvers: runningResolvers(this.runroot),
      stopResolver: (id) => stopResolver(this.runroot, id),
    });
  }

  /** Every attachment: container, network, namespace, and whether ADD completed. */
  attachments(): Array<{
    containerId: string;
    networkId: string;
    networkName: string;
    netns: string;
    complete: boolean;
  }> {
    return this.attached.list();
  }
}
