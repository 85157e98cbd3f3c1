// Container attachments: connecting a container's namespace to a network with
// the CNI plugins (conflist.ts), published host ports checked and reserved
// first, and disconnecting with the stored results (state-db.ts).
import { StowageError, conflict, invalidArgument, notFound } from '../errdefs';
import { selfId } from '../util/proc';
import { CNI_VERSION, CniAddError, type CniResult, type CniRuntime, type NetConfList } from './cni';
import { ensureBridgeRules } from './bridge-rules';
import { bridgeConflist, resultFromIpam, teardownMasq } from './conflist';
import { PortError, allocatePorts, dnatPorts, portRequests, type BoundPort, type ReservedPort } from './host-ports';
import { isNetns } from './netns';
import { networkHost } from './host-netns';
import { newId, type Networks } from './networks';
import type { AttachmentRow, StateDb } from '../metadata/network-state';
import { contains, parseCidr } from './subnet';
import { contains6, parseCidr6 } from './subnet6';
import type { AttachOptions, Endpoint, Peer, PortMap } from './types';

export class Attachments {
  constructor(
    private readonly state: StateDb,
    private readonly cni: CniRuntime,
    private readonly ipamDir: string,
    private readonly networks: Networks,
  ) {}

  /** Brings up lo in a namespace (loopback plugin). */
  async loopback(netns: string, containerId = 'stowage-loopback'): Promise<void> {
    await this.cni.exec(
      'ADD',
      { cniVersion: CNI_VERSION, name: 'loopback', type: 'loopback' },
      { containerId, netns, ifname: 'lo' },
    );
  }

  /**
   * Connects a container's namespace to a network. Published ports are checked
   * and reserved first (Docker's errors), then the CNI chain runs; on failure
   * everything done is undone. The first network a container joins gets the
   * default route.
   */
  async attach(containerId: string, netns: string, network: string, opts: AttachOptions): Promise<Endpoint> {
    const net = await this.networks.inspect(network);
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
      if (net.name === 'bridge')
        throw invalidArgument('user specified IP address is supported on user defined networks only');
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
      if (!contains(parseCidr(net.subnet!), opts.ip)) {
        throw invalidArgument(`no configured subnet or ip-range contain the IP address ${opts.ip}`);
      }
    }
    if (opts.ip6 !== undefined) {
      if (net.name === 'bridge')
        throw invalidArgument('user specified IP address is supported on user defined networks only');
      if (!net.ipv6)
        throw invalidArgument(
          'user specified IP address is supported only when connecting to networks with user configured subnets',
        );
      if (!contains6(parseCidr6(net.ipv6.subnet), opts.ip6))
        throw invalidArgument(`Invalid address ${opts.ip6}: It does not belong to any of this network's subnets`);
    }
    const endpointId = newId();
    // internal networks publish nothing (Docker programs no port mapping there either)
    const requests = net.internal ? [] : portRequests(opts.ports ?? {});
    const aliases = opts.aliases ?? [];

    // lo comes up inside the namespace while the ports are reserved and the chain runs
    const lo = this.loopback(netns, containerId);
    lo.catch(() => undefined);
    // Reserve: ports and the row, atomically with respect to other stowage processes.
    const row = await this.state
      .exclusive(async () => {
        const mine = this.state.rowsOf(containerId);
        if (mine.some((r) => r.network_id === net.id))
          throw conflict(`endpoint with name ${opts.name} already exists in network ${net.name}`);
        this.networks.ensureOwner(net);
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
        const list = bridgeConflist(net, this.ipamDir, defaultRoute, ports.length > 0);
        const capabilityArgs: Record<string, unknown> = {};
        if (ports.length > 0) {
          capabilityArgs.portMappings = ports.map((p) => ({
            hostPort: p.hostPort,
            containerPort: p.containerPort,
            protocol: p.proto,
            // in a user's own namespace (rootless) slirp4netns listens on the host address; the DNAT matches any
            ...(p.hostIp && !networkHost() ? { hostIP: p.hostIp } : {}),
          }));
        }
        // without EnableIPv6 a requested IPv6 address is only recorded (shown in IPAMConfig), as Docker 20.10 does
        const ips = [opts.ip, net.enableIPv6 ? opts.ip6 : undefined].filter((x) => x !== undefined);
        if (ips.length) capabilityArgs.ips = ips;
        if (opts.mac) capabilityArgs.mac = opts.mac;
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
        this.state.insert(r);
        return r;
      })
      .catch(async (err: unknown) => {
        await lo.catch(() => undefined);
        throw err;
      });

    const list = JSON.parse(row.conflist) as NetConfList;
    const rt = {
      containerId,
      netns,
      ifname: row.ifname,
      capabilityArgs: JSON.parse(row.capability_args) as Record<string, unknown>,
    };
    let result: CniResult;
    let added: CniResult | undefined; // the chain's result when what ran beside it failed
    try {
      // The network's host rules are checked (written if missing) beside the chain, not
      // before it: nothing runs in the namespace until both are done, and the probes
      // are most of what a bridge adds to a start. (Under the state's lock: callers
      // serialize ensureBridgeRules per store.)
      const rules = this.state.exclusive(() => ensureBridgeRules(net));
      const add = this.cni.addList(list, rt, (partial) =>
        this.state.locked(() => this.state.setResult(containerId, net.id, JSON.stringify(partial))),
      );
      const [chain, ...others] = await Promise.allSettled([add, lo, rules]);
      if (chain.status === 'rejected') throw chain.reason;
      added = result = chain.value;
      const failed = others.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      const partial = err instanceof CniAddError ? err.partial : added;
      await this.cni.delList(list, rt, partial).catch(() => {});
      await teardownMasq(list, containerId);
      await this.state.locked(() => this.state.delete(containerId, net.id));
      if (err instanceof CniAddError) {
        if ((opts.ip ?? opts.ip6) !== undefined && /requested IP address .* is not available/.test(err.message))
          throw conflict('Address already in use');
        throw err.error;
      }
      throw err;
    }
    await this.state.locked(() => this.state.setComplete(containerId, net.id, JSON.stringify(result)));
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
    const rows = this.state.rowsOf(containerId);
    const row =
      rows.find((r) => r.network_id === network || r.network_name === network) ??
      rows.find((r) => network.length >= 3 && r.network_id.startsWith(network));
    if (row) await this.delOnce(containerId, row.network_id, netns);
  }

  /** Detaches a container from every network it is on (container stop, cleanup after a crash). */
  async detachAll(containerId: string, netns?: string): Promise<void> {
    const rows = this.state.rowsOf(containerId);
    let first: unknown;
    for (const row of rows.reverse()) {
      try {
        await this.delOnce(containerId, row.network_id, netns);
      } catch (err) {
        first ??= err;
      }
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, rethrown as it came
    if (first !== undefined) throw first;
  }

  /**
   * One detach of an attachment, however many processes ask for it at once
   * (`rm` and conmon's exit command both undo a container's network): the row
   * is read again holding the state's write lock, so the second finds it gone
   * instead of running the plugins' DEL beside the first (two portmap DELs at
   * once can leave a chain behind).
   */
  private delOnce(containerId: string, networkId: string, netns: string | undefined): Promise<void> {
    return this.state.exclusive(async () => {
      const row = this.state.rowsOf(containerId).find((r) => r.network_id === networkId);
      if (row) await this.del(row, netns);
    });
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
    const prev = row.result
      ? (JSON.parse(row.result) as CniResult)
      : resultFromIpam(this.ipamDir, list, row.container_id, row.ifname);
    let failure: unknown;
    try {
      await this.cni.delList(list, rt, prev);
    } catch (err) {
      failure = err;
    }
    await teardownMasq(list, row.container_id);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, rethrown as it came
    if (failure !== undefined) throw failure;
    this.state.delete(row.container_id, row.network_id);
  }

  /** Host ports held by attachments (stowage's table). */
  reservedPorts(): ReservedPort[] {
    const out: ReservedPort[] = [];
    for (const ports of this.state.allPorts()) {
      for (const p of JSON.parse(ports) as BoundPort[])
        out.push({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort });
    }
    return out;
  }

  /** A container's endpoints, in the order it joined the networks. */
  endpoints(containerId: string): Endpoint[] {
    return this.state.completeRowsOf(containerId).map(endpointOf);
  }

  /** Containers attached to a network: for `network inspect` Containers and /etc/hosts peers. */
  peers(network: string): Peer[] {
    return this.state.completeRowsOn(network).map((r) => {
      const e = endpointOf(r);
      return { containerId: r.container_id, ip: e.IPAddress, name: r.name, aliases: JSON.parse(r.aliases) as string[] };
    });
  }

  /** Every attachment: container, network, namespace, and whether ADD completed. */
  list(): Array<{ containerId: string; networkId: string; networkName: string; netns: string; complete: boolean }> {
    return this.state.allRows().map((r) => ({
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
  const ip = result?.ips?.find((i) => !i.address.includes(':')) ?? result?.ips?.[0];
  const ip6 = result?.ips?.find((i) => i.address.includes(':'));
  const [addr, prefix] = (ip?.address ?? '/').split('/');
  const [addr6, prefix6] = (ip6?.address ?? '/').split('/');
  const iface =
    ip?.interface !== undefined ? result?.interfaces?.[ip.interface] : result?.interfaces?.find((i) => i.sandbox);
  const ports: PortMap = {};
  for (const p of JSON.parse(r.ports) as BoundPort[]) {
    (ports[`${p.containerPort}/${p.proto}`] ??= []).push({
      HostIp: p.hostIp || '0.0.0.0',
      HostPort: String(p.hostPort),
    });
  }
  return {
    NetworkID: r.network_id,
    NetworkName: r.network_name,
    EndpointID: r.endpoint_id,
    Gateway: ip?.gateway ?? '',
    IPAddress: addr,
    IPPrefixLen: prefix ? Number(prefix) : 0,
    MacAddress: iface?.mac ?? '',
    GlobalIPv6Address: addr6,
    GlobalIPv6PrefixLen: prefix6 ? Number(prefix6) : 0,
    IPv6Gateway: ip6?.gateway ?? '',
    Aliases: JSON.parse(r.aliases) as string[],
    InterfaceName: r.ifname,
    Ports: ports,
  };
}
