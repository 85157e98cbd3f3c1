// Networks and container attachments: Docker's bridge networks on CNI plugins.
//
// A bridge network is a Linux bridge with an IPv4 subnet. Attaching a container
// runs the conflist  bridge (+ host-local IPAM) -> portmap -> firewall  against
// the container's network namespace:
//   - bridge: veth pair, gateway address on the bridge (isGateway; the plugin
//     also turns on net.ipv4.ip_forward), per-container MASQUERADE (ipMasq),
//     hairpin mode on the host end of the veth;
//   - host-local: addresses from the subnet, reservations under
//     <runroot>/network/ipam/<network id> (tmpfs: gone after a reboot, with the
//     containers that held them);
//   - portmap (only with published ports): DNAT from the host port, SNAT for
//     127.0.0.1 and hairpin traffic (snat; the plugin sets route_localnet on
//     the bridge);
//   - firewall: ACCEPT in CNI-FORWARD for the container's address, and
//     ingressPolicy same-bridge, so bridge networks cannot reach each other
//     (Docker's DOCKER-ISOLATION chains).
// The loopback plugin brings up lo.
//
// Definitions of networks live in a NetworkStore (JSON files under
// <root>/networks by default). Attachments live in SQLite under
// <runroot>/network/state.db: the conflist and capability arguments used for
// ADD, each plugin's result as it came (so DEL works after a crash), and the
// host ports programmed: stowage's table of published ports. Writers take
// SQLite's write lock (BEGIN IMMEDIATE), which also serializes stowage
// processes creating networks and picking ports.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StowageError, alreadyExists, conflict, errnoCode, invalidArgument, notFound } from '../errdefs';
import { selfId } from '../util/proc';
import { CNI_VERSION, CniAddError, CniRuntime, type CniResult, type NetConfList, type PluginConf } from './cni';
import { PortError, allocatePorts, dnatPorts, portRequests, type BoundPort, type ReservedPort } from './host-ports';
import { cniChainName, deleteRules } from './iptables';
import { isNetns } from './netns';
import { contains, firstHost, formatCidr, hostRoutes, lastHost, overlaps, parseCidr, pickSubnet, type Cidr } from './subnet';
import type { AttachOptions, Endpoint, NetworkConfig, NetworkStore, Peer, PortMap } from './types';

/** Subnets the default "bridge" network may take (the first that overlaps nothing), /16 each. */
export const DEFAULT_BRIDGE_POOLS = ['10.66.0.0/15', '10.68.0.0/15', '10.80.0.0/12'];
/** Pool of user-defined networks, split into /24s. */
export const USER_NETWORK_POOLS = ['10.70.0.0/15'];
export const USER_NETWORK_PREFIX = 24;
export const DEFAULT_BRIDGE_PREFIX = 'stowage';
export const PREDEFINED = ['bridge', 'host', 'none'] as const;

export interface NetworkManagerOptions {
  root: string;
  runroot: string;
  /** directories of CNI plugins, ':'-separated (default /usr/lib/cni) */
  cniPath?: string;
  store?: NetworkStore;
}

export interface CreateNetworkOptions {
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/** Network definitions as one JSON file each, written atomically. */
export class JsonNetworkStore implements NetworkStore {
  constructor(readonly dir: string) {}

  list(): NetworkConfig[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
      .map((n) => JSON.parse(fs.readFileSync(path.join(this.dir, n), 'utf8')) as NetworkConfig);
  }

  put(net: NetworkConfig): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${net.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(net, null, 2));
    fs.renameSync(tmp, file);
  }

  delete(id: string): void {
    fs.rmSync(path.join(this.dir, `${id}.json`), { force: true });
  }
}

interface AttachmentRow {
  container_id: string;
  network_id: string;
  network_name: string;
  endpoint_id: string;
  ifname: string;
  netns: string;
  name: string;
  aliases: string;
  default_route: number;
  conflist: string;
  capability_args: string;
  ports: string;
  result: string | null;
  complete: number;
  owner_pid: number;
  owner_start: string;
  created_at: string;
}

const SCHEMA = [
  `CREATE TABLE attachments (
     container_id TEXT NOT NULL,
     network_id TEXT NOT NULL,
     network_name TEXT NOT NULL,
     endpoint_id TEXT NOT NULL,
     ifname TEXT NOT NULL,
     netns TEXT NOT NULL,
     name TEXT NOT NULL,
     aliases TEXT NOT NULL,
     default_route INTEGER NOT NULL,
     conflist TEXT NOT NULL,
     capability_args TEXT NOT NULL,
     ports TEXT NOT NULL,
     result TEXT,
     complete INTEGER NOT NULL DEFAULT 0,
     owner_pid INTEGER NOT NULL,
     owner_start TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (container_id, network_id)
   )`,
];

/** One promise at a time (a process's own calls, before SQLite's lock serializes processes). */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

const newId = () => randomBytes(32).toString('hex');

function sh(cmd: string, args: string[]): { code: number; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 1, stderr: (r.stderr ?? '').trim() };
}

const linkExists = (name: string) => fs.existsSync(`/sys/class/net/${name}`);

/** The first free name bridgeName(0), bridgeName(1), ... created as a bridge (atomically, by the kernel). */
function createBridgeDevice(bridgeName: (i: number) => string): string {
  for (let i = 0; i < 100; i++) {
    const candidate = bridgeName(i);
    if (i > 0 && candidate === bridgeName(i - 1)) break; // a fixed name: one try
    if (linkExists(candidate)) continue;
    const r = sh('ip', ['link', 'add', candidate, 'type', 'bridge']);
    if (r.code === 0) return candidate;
    if (!/exists/i.test(r.stderr)) throw new StowageError('internal', `failed to create bridge ${candidate}: ${r.stderr}`);
  }
  throw new StowageError('internal', `failed to create a bridge device (${bridgeName(0)})`);
}

/** IPv4 subnets of the host's interface addresses (optionally except one interface). */
function hostAddresses(except?: string): Cidr[] {
  const r = spawnSync('ip', ['-4', '-j', 'addr', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const out: Cidr[] = [];
  for (const link of JSON.parse(r.stdout || '[]') as Array<{ ifname: string; addr_info?: Array<{ local: string; prefixlen: number }> }>) {
    if (link.ifname === except || link.ifname === 'lo') continue;
    for (const a of link.addr_info ?? []) out.push(parseCidr(`${a.local}/${a.prefixlen}`));
  }
  return out;
}

export class NetworkManager {
  readonly root: string;
  readonly runroot: string;
  readonly store: NetworkStore;
  readonly cni: CniRuntime;
  readonly stateDir: string;
  readonly ipamDir: string;
  private readonly db: Database.Database;
  private readonly mutex = new Mutex();

  constructor(opts: NetworkManagerOptions) {
    this.root = opts.root;
    this.runroot = opts.runroot;
    this.store = opts.store ?? new JsonNetworkStore(path.join(opts.root, 'networks'));
    this.cni = new CniRuntime({ cniPath: opts.cniPath });
    this.stateDir = path.join(opts.runroot, 'network');
    this.ipamDir = path.join(this.stateDir, 'ipam');
    fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.db = new Database(path.join(this.stateDir, 'state.db'), { timeout: 60_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA.length) {
      this.db
        .transaction(() => {
          const v = this.db.pragma('user_version', { simple: true }) as number;
          for (let i = v; i < SCHEMA.length; i++) this.db.exec(SCHEMA[i]);
          this.db.pragma(`user_version = ${SCHEMA.length}`);
        })
        .immediate();
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs a write holding this process's mutex. Every write goes through the mutex:
   * the connection is shared, and a write issued while another call holds an open
   * transaction would join (and maybe roll back with) that transaction.
   */
  private locked<T>(fn: () => T): Promise<T> {
    return this.mutex.run(async () => fn());
  }

  /** Runs fn holding this process's mutex and SQLite's write lock. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.mutex.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn();
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  // --- networks ---------------------------------------------------------------

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
    if (byName.length > 1) throw invalidArgument(`network ${term} is ambiguous (${byName.length} matches found based on name)`);
    const byPrefix = term === '' ? [] : all.filter((n) => n.id.startsWith(term));
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw invalidArgument(`network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${term} not found`);
  }

  /** The predefined networks: "bridge" (stowage's default bridge), "host" and "none". */
  async ensureDefault(): Promise<NetworkConfig> {
    const known = this.store.list();
    const existing = known.find((n) => n.name === 'bridge');
    if (existing && known.some((n) => n.name === 'host') && known.some((n) => n.name === 'none')) return existing;
    return this.exclusive(() => {
      const all = this.store.list();
      for (const [name, driver] of [
        ['host', 'host'],
        ['none', 'null'],
      ] as const) {
        if (!all.some((n) => n.name === name)) {
          this.store.put({ name, id: newId(), driver, internal: false, labels: {}, options: {}, created: new Date().toISOString() });
        }
      }
      const bridge = all.find((n) => n.name === 'bridge');
      if (bridge) return bridge;
      const net = this.claimBridge('bridge', DEFAULT_BRIDGE_POOLS, 16, {}, (i) => `${DEFAULT_BRIDGE_PREFIX}${i}`);
      net.options = {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': net.bridge!,
        'com.docker.network.driver.mtu': '1500',
      };
      this.store.put(net);
      return net;
    });
  }

  /** `docker network create`: a bridge network with its own bridge device and subnet. */
  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkConfig> {
    if ((PREDEFINED as readonly string[]).includes(name) || name === 'default') {
      throw new StowageError('forbidden', `operation is not permitted on predefined ${name} network `);
    }
    if (name === '') throw invalidArgument('network name must not be empty');
    const driver = opts.driver ?? 'bridge';
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    await this.ensureDefault();
    return this.exclusive(() => {
      if (this.store.list().some((n) => n.name === name)) throw alreadyExists(`network with name ${name} already exists`);
      const id = newId();
      const net = this.claimBridge(name, USER_NETWORK_POOLS, USER_NETWORK_PREFIX, opts, () => `stw-${id.slice(0, 11)}`, id);
      this.store.put(net);
      return net;
    });
  }

  /**
   * Picks a subnet (given, or the first free one of pools) and a bridge name, and
   * creates the bridge with its gateway address. The kernel is the arbiter between
   * stowage processes of different roots: after adding its address, a claimant that
   * sees another interface with an overlapping address yields (deletes its bridge)
   * and tries the next subnet. Whatever the interleaving, at least one of two racing
   * claimants sees the other, so two bridges never keep overlapping subnets.
   */
  private claimBridge(
    name: string,
    pools: readonly string[],
    prefix: number,
    opts: CreateNetworkOptions,
    bridgeName: (i: number) => string,
    id = newId(),
  ): NetworkConfig {
    const others = this.store
      .list()
      .filter((n) => n.subnet)
      .map((n) => parseCidr(n.subnet!));
    let fixed: Cidr | undefined;
    if (opts.subnet) {
      try {
        fixed = parseCidr(opts.subnet);
      } catch (err) {
        throw invalidArgument(`invalid subnet: ${(err as Error).message}`);
      }
      if (others.some((o) => overlaps(o, fixed!))) throw new StowageError('forbidden', 'Pool overlaps with other one on this address space');
    } else if (opts.gateway || opts.ipRange) {
      throw invalidArgument(`no matching subnet for ${opts.gateway ? `gateway ${opts.gateway}` : `range ${opts.ipRange}`}`);
    }
    if (fixed) {
      if (opts.gateway && !contains(fixed, opts.gateway)) throw invalidArgument(`no matching subnet for gateway ${opts.gateway}`);
      if (opts.ipRange) {
        let range: Cidr;
        try {
          range = parseCidr(opts.ipRange);
        } catch (err) {
          throw invalidArgument(`invalid CIDR address: ${opts.ipRange}`, err);
        }
        if (range.prefix < fixed.prefix || !contains(fixed, firstHost(range))) throw invalidArgument(`no matching subnet for range ${opts.ipRange}`);
      }
    }

    const lost: Cidr[] = [];
    for (let attempt = 0; attempt < 16; attempt++) {
      const taken = [...others, ...hostRoutes(), ...hostAddresses(), ...lost];
      let subnet: Cidr;
      if (fixed) {
        if (taken.some((t) => overlaps(t, fixed!))) throw new StowageError('forbidden', 'requested network overlaps with existing network');
        subnet = fixed;
      } else {
        const picked = pickSubnet(pools, prefix, taken);
        if (!picked) {
          throw new StowageError('not-found', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
        }
        subnet = picked;
      }
      const gateway = opts.gateway ?? firstHost(subnet);
      const bridge = createBridgeDevice(bridgeName);
      const addr = sh('ip', ['addr', 'add', `${gateway}/${subnet.prefix}`, 'dev', bridge]);
      const up = sh('ip', ['link', 'set', bridge, 'up']);
      if (addr.code !== 0 || up.code !== 0) {
        sh('ip', ['link', 'del', bridge]);
        throw new StowageError('internal', `failed to set up bridge ${bridge}: ${addr.stderr || up.stderr}`);
      }
      if (hostAddresses(bridge).some((a) => overlaps(a, subnet))) {
        sh('ip', ['link', 'del', bridge]); // somebody else claimed it meanwhile: yield
        lost.push(subnet);
        continue;
      }
      return {
        name,
        id,
        driver: 'bridge',
        bridge,
        subnet: formatCidr(subnet),
        gateway,
        ...(opts.ipRange ? { ipRange: opts.ipRange } : {}),
        internal: opts.internal ?? false,
        labels: { ...(opts.labels ?? {}) },
        options: { ...(opts.options ?? {}) },
        created: new Date().toISOString(),
      };
    }
    throw new StowageError('unavailable', 'could not claim a subnet for the network: too many concurrent claims');
  }

  /** `docker network rm`: refused for predefined networks and while containers are attached. */
  async remove(nameOrId: string): Promise<void> {
    await this.ensureDefault();
    await this.exclusive(async () => {
      const net = this.find(nameOrId);
      if ((PREDEFINED as readonly string[]).includes(net.name)) {
        throw new StowageError('forbidden', `${net.name} is a pre-defined network and cannot be removed`);
      }
      const n = this.db.prepare('SELECT count(*) AS n FROM attachments WHERE network_id = ?').get(net.id) as { n: number };
      if (n.n > 0) {
        throw new StowageError('forbidden', `error while removing network: network ${net.name} id ${net.id} has active endpoints`);
      }
      await this.teardownBridge(net);
      this.store.delete(net.id);
    });
  }

  /** `docker network prune`: removes user-defined networks no container uses; returns their names. */
  async prune(filter: (net: NetworkConfig) => boolean = () => true): Promise<string[]> {
    await this.ensureDefault();
    return this.exclusive(async () => {
      const removed: string[] = [];
      for (const net of this.store.list()) {
        if ((PREDEFINED as readonly string[]).includes(net.name) || !filter(net)) continue;
        const n = this.db.prepare('SELECT count(*) AS n FROM attachments WHERE network_id = ?').get(net.id) as { n: number };
        if (n.n > 0) continue;
        await this.teardownBridge(net);
        this.store.delete(net.id);
        removed.push(net.name);
      }
      return removed;
    });
  }

  /**
   * Removes what a bridge network put on the host: the bridge device, its
   * same-bridge isolation rules and its IPAM directory.
   */
  private async teardownBridge(net: NetworkConfig): Promise<void> {
    if (net.driver !== 'bridge' || !net.bridge) return;
    const br = net.bridge;
    await deleteRules('filter', (a) => {
      if (a[1] !== 'CNI-ISOLATION-STAGE-1' && a[1] !== 'CNI-ISOLATION-STAGE-2') return false;
      const i = a.indexOf('-i');
      const o = a.indexOf('-o');
      return (i > 0 && a[i + 1] === br) || (o > 0 && a[o + 1] === br);
    });
    if (linkExists(br)) sh('ip', ['link', 'del', br]);
    fs.rmSync(path.join(this.ipamDir, net.id), { recursive: true, force: true });
  }

  /**
   * Tears down every network of this root (attachments must be gone): bridges
   * including the default one, isolation rules, IPAM state. For tests and
   * `system reset`; networks are defined again by the next ensureDefault().
   */
  async destroy(): Promise<void> {
    await this.exclusive(async () => {
      const n = this.db.prepare('SELECT count(*) AS n FROM attachments').get() as { n: number };
      if (n.n > 0) throw conflict(`${n.n} network endpoints are still attached`);
      for (const net of this.store.list()) {
        await this.teardownBridge(net);
        this.store.delete(net.id);
      }
    });
  }

  // --- attachments --------------------------------------------------------------

  private conflist(net: NetworkConfig, defaultRoute: boolean, withPorts: boolean): NetConfList {
    const range: Record<string, string> = { subnet: net.subnet!, gateway: net.gateway! };
    if (net.ipRange) {
      const r = parseCidr(net.ipRange);
      range.rangeStart = firstHost(r); // host-local skips the gateway itself
      range.rangeEnd = lastHost(r);
    }
    const plugins: PluginConf[] = [
      {
        type: 'bridge',
        bridge: net.bridge,
        isGateway: true,
        ipMasq: !net.internal,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: this.ipamDir,
          ranges: [[range]],
          routes: defaultRoute && !net.internal ? [{ dst: '0.0.0.0/0' }] : [],
        },
        capabilities: { ips: true },
      },
    ];
    if (withPorts && !net.internal) plugins.push({ type: 'portmap', snat: true, capabilities: { portMappings: true } });
    plugins.push({ type: 'firewall', backend: 'iptables', ingressPolicy: 'same-bridge' });
    // the network's ID names it for the plugins: host-local's directory, chain-name hashes, rule comments
    return { cniVersion: CNI_VERSION, name: net.id, plugins };
  }

  /** Brings up lo in a namespace (loopback plugin). */
  async loopback(netns: string, containerId = 'stowage-loopback'): Promise<void> {
    await this.cni.exec('ADD', { cniVersion: CNI_VERSION, name: 'loopback', type: 'loopback' }, { containerId, netns, ifname: 'lo' });
  }

  /**
   * Connects a container's namespace to a network. Published ports are checked
   * and reserved first (Docker's errors), then the CNI chain runs; on failure
   * everything done is undone. The first network a container joins gets the
   * default route.
   */
  async attach(containerId: string, netns: string, network: string, opts: AttachOptions): Promise<Endpoint> {
    const net = await this.inspect(network);
    if (net.driver !== 'bridge') {
      if (net.driver === 'null') await this.loopback(netns, containerId);
      return {
        NetworkID: net.id,
        NetworkName: net.name,
        EndpointID: newId(),
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        MacAddress: '',
        Aliases: [],
        InterfaceName: '',
        Ports: {},
      };
    }
    if (!isNetns(netns)) throw notFound(`network namespace ${netns} does not exist`);
    if (opts.ip !== undefined) {
      if (net.name === 'bridge') throw invalidArgument('user specified IP address is supported on user defined networks only');
      if (!contains(parseCidr(net.subnet!), opts.ip)) {
        throw invalidArgument(`no configured subnet or ip-range contain the IP address ${opts.ip}`);
      }
    }
    const endpointId = newId();
    // internal networks publish nothing (Docker programs no port mapping there either)
    const requests = net.internal ? [] : portRequests(opts.ports ?? {});
    const aliases = opts.aliases ?? [];

    // Reserve: ports and the row, atomically with respect to other stowage processes.
    const row = await this.exclusive(async () => {
      const mine = this.db.prepare('SELECT * FROM attachments WHERE container_id = ?').all(containerId) as AttachmentRow[];
      if (mine.some((r) => r.network_id === net.id)) throw conflict(`endpoint with name ${opts.name} already exists in network ${net.name}`);
      let ports: BoundPort[] = [];
      if (requests.length > 0) {
        const reserved = [...this.reservedPorts(), ...(await dnatPorts())];
        try {
          ports = await allocatePorts(requests, reserved);
        } catch (err) {
          if (err instanceof PortError) {
            throw new StowageError(
              'internal',
              `driver failed programming external connectivity on endpoint ${opts.name} (${endpointId}): ${err.message}`,
            );
          }
          throw err;
        }
      }
      const used = new Set(mine.map((r) => r.ifname));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      const defaultRoute = !net.internal && !mine.some((r) => r.default_route === 1);
      const list = this.conflist(net, defaultRoute, ports.length > 0);
      const capabilityArgs: Record<string, unknown> = {};
      if (ports.length > 0) {
        capabilityArgs.portMappings = ports.map((p) => ({
          hostPort: p.hostPort,
          containerPort: p.containerPort,
          protocol: p.proto,
          ...(p.hostIp ? { hostIP: p.hostIp } : {}),
        }));
      }
      if (opts.ip !== undefined) capabilityArgs.ips = [opts.ip];
      const self = selfId();
      const r: AttachmentRow = {
        container_id: containerId,
        network_id: net.id,
        network_name: net.name,
        endpoint_id: endpointId,
        ifname: `eth${i}`,
        netns,
        name: opts.name,
        aliases: JSON.stringify(aliases),
        default_route: defaultRoute ? 1 : 0,
        conflist: JSON.stringify(list),
        capability_args: JSON.stringify(capabilityArgs),
        ports: JSON.stringify(ports),
        result: null,
        complete: 0,
        owner_pid: self.pid,
        owner_start: self.start,
        created_at: new Date().toISOString(),
      };
      this.db
        .prepare(
          `INSERT INTO attachments VALUES (@container_id, @network_id, @network_name, @endpoint_id, @ifname, @netns, @name,
             @aliases, @default_route, @conflist, @capability_args, @ports, @result, @complete, @owner_pid, @owner_start, @created_at)`,
        )
        .run(r);
      return r;
    });

    const list = JSON.parse(row.conflist) as NetConfList;
    const rt = { containerId, netns, ifname: row.ifname, capabilityArgs: JSON.parse(row.capability_args) as Record<string, unknown> };
    const save = this.db.prepare('UPDATE attachments SET result = ? WHERE container_id = ? AND network_id = ?');
    let result: CniResult;
    try {
      await this.loopback(netns, containerId);
      result = await this.cni.addList(list, rt, (partial) =>
        this.locked(() => save.run(JSON.stringify(partial), containerId, net.id)),
      );
    } catch (err) {
      const partial = err instanceof CniAddError ? err.partial : undefined;
      await this.cni.delList(list, rt, partial).catch(() => {});
      await this.teardownMasq(list.name, containerId);
      await this.locked(() => this.db.prepare('DELETE FROM attachments WHERE container_id = ? AND network_id = ?').run(containerId, net.id));
      if (err instanceof CniAddError) {
        if (opts.ip !== undefined && /requested IP address .* is not available/.test(err.message)) throw conflict('Address already in use');
        throw err.error;
      }
      throw err;
    }
    await this.locked(() =>
      this.db
        .prepare('UPDATE attachments SET result = ?, complete = 1 WHERE container_id = ? AND network_id = ?')
        .run(JSON.stringify(result), containerId, net.id),
    );
    return endpointOf({ ...row, result: JSON.stringify(result), complete: 1 });
  }

  /**
   * Disconnects a container from a network: CNI DEL in reverse with the stored
   * result, then stowage's own sweep of what the bridge plugin cannot undo when
   * the namespace is gone (its MASQUERADE chain). Idempotent; netns may be
   * undefined or already removed. The row (and its ports) is kept when a plugin
   * fails, so the call can be retried.
   */
  async detach(containerId: string, netns: string | undefined, network: string): Promise<void> {
    const rows = this.db.prepare('SELECT * FROM attachments WHERE container_id = ?').all(containerId) as AttachmentRow[];
    const row = rows.find((r) => r.network_id === network || r.network_name === network) ?? rows.find((r) => network.length >= 3 && r.network_id.startsWith(network));
    if (!row) return;
    await this.mutex.run(() => this.del(row, netns));
  }

  /** Detaches a container from every network it is on (container stop, cleanup after a crash). */
  async detachAll(containerId: string, netns?: string): Promise<void> {
    const rows = this.db.prepare('SELECT * FROM attachments WHERE container_id = ?').all(containerId) as AttachmentRow[];
    let first: unknown;
    for (const row of rows.reverse()) {
      try {
        await this.mutex.run(() => this.del(row, netns));
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  private async del(row: AttachmentRow, netns: string | undefined): Promise<void> {
    const list = JSON.parse(row.conflist) as NetConfList;
    const ns = netns ?? row.netns;
    const rt = {
      containerId: row.container_id,
      netns: ns && isNetns(ns) ? ns : '',
      ifname: row.ifname,
      capabilityArgs: JSON.parse(row.capability_args) as Record<string, unknown>,
    };
    const prev = row.result ? (JSON.parse(row.result) as CniResult) : this.resultFromIpam(list, row);
    let failure: unknown;
    try {
      await this.cni.delList(list, rt, prev);
    } catch (err) {
      failure = err;
    }
    await this.teardownMasq(list.name, row.container_id);
    if (failure !== undefined) throw failure;
    this.db.prepare('DELETE FROM attachments WHERE container_id = ? AND network_id = ?').run(row.container_id, row.network_id);
  }

  /**
   * The bridge plugin removes its MASQUERADE chain only when it finds the
   * container's interface (it reads the addresses from it): with the namespace
   * gone the chain would stay. Remove it, and the POSTROUTING jump, by name.
   */
  private async teardownMasq(cniName: string, containerId: string): Promise<void> {
    const chain = cniChainName(cniName, containerId);
    await deleteRules('nat', (a) => a[1] === 'POSTROUTING' && a.includes(chain), [chain]);
  }

  /**
   * A stand-in prevResult when ADD died before storing any result: the address
   * host-local reserved for this container, found in its data directory.
   */
  private resultFromIpam(list: NetConfList, row: AttachmentRow): CniResult | undefined {
    const dir = path.join(this.ipamDir, list.name);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return undefined;
    }
    const want = `${row.container_id}\r\n${row.ifname}`;
    const bridge = list.plugins[0] as PluginConf & { bridge?: string; ipam?: { ranges?: Array<Array<{ subnet: string; gateway?: string }>> } };
    const range = bridge.ipam?.ranges?.[0]?.[0];
    for (const n of names) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(n)) continue;
      try {
        if (fs.readFileSync(path.join(dir, n), 'utf8').trim() !== want) continue;
      } catch {
        continue;
      }
      const prefix = range ? parseCidr(range.subnet).prefix : 32;
      return {
        cniVersion: CNI_VERSION,
        interfaces: [{ name: bridge.bridge ?? '' }],
        ips: [{ address: `${n}/${prefix}`, gateway: range?.gateway }],
      };
    }
    return undefined;
  }

  /** Host ports held by attachments (stowage's table). */
  reservedPorts(): ReservedPort[] {
    const out: ReservedPort[] = [];
    for (const r of this.db.prepare('SELECT ports FROM attachments').all() as Array<{ ports: string }>) {
      for (const p of JSON.parse(r.ports) as BoundPort[]) out.push({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort });
    }
    return out;
  }

  /** A container's endpoints, in the order it joined the networks. */
  endpoints(containerId: string): Endpoint[] {
    return (
      this.db.prepare('SELECT * FROM attachments WHERE container_id = ? AND complete = 1 ORDER BY ifname').all(containerId) as AttachmentRow[]
    ).map(endpointOf);
  }

  /** Containers attached to a network: for `network inspect` Containers and /etc/hosts peers. */
  peers(network: string): Peer[] {
    const rows = this.db
      .prepare('SELECT * FROM attachments WHERE (network_id = ? OR network_name = ?) AND complete = 1 ORDER BY created_at')
      .all(network, network) as AttachmentRow[];
    return rows.map((r) => {
      const e = endpointOf(r);
      return { containerId: r.container_id, ip: e.IPAddress, name: r.name, aliases: JSON.parse(r.aliases) as string[] };
    });
  }

  /** Every attachment: container, network, namespace, and whether ADD completed. */
  attachments(): Array<{ containerId: string; networkId: string; networkName: string; netns: string; complete: boolean }> {
    return (this.db.prepare('SELECT * FROM attachments ORDER BY created_at').all() as AttachmentRow[]).map((r) => ({
      containerId: r.container_id,
      networkId: r.network_id,
      networkName: r.network_name,
      netns: r.netns,
      complete: r.complete === 1,
    }));
  }
}

function endpointOf(r: AttachmentRow): Endpoint {
  const result = r.result ? (JSON.parse(r.result) as CniResult) : undefined;
  const ip = result?.ips?.[0];
  const [addr, prefix] = (ip?.address ?? '/').split('/');
  const iface = ip?.interface !== undefined ? result?.interfaces?.[ip.interface] : result?.interfaces?.find((i) => i.sandbox);
  const ports: PortMap = {};
  for (const p of JSON.parse(r.ports) as BoundPort[]) {
    (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return {
    NetworkID: r.network_id,
    NetworkName: r.network_name,
    EndpointID: r.endpoint_id,
    Gateway: ip?.gateway ?? '',
    IPAddress: addr,
    IPPrefixLen: prefix ? Number(prefix) : 0,
    MacAddress: iface?.mac ?? '',
    Aliases: JSON.parse(r.aliases) as string[],
    InterfaceName: r.ifname,
    Ports: ports,
  };
}
