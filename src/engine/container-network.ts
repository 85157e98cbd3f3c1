// A container's networking: its own network namespace joined to a bridge
// network through the CNI plugins (or the host's, none, or another container's),
// published ports, and the /etc/hosts entries that let containers on a
// user-defined network find each other by name.
import fs from 'node:fs';
import path from 'node:path';
import { extraHostRecords } from '../container/host-options';
import { conflict, invalidArgument } from '../errdefs';
import type { Container } from '../container/store';
import type { ContainerRecords } from '../container/records';
import { attachmentOf, type EndpointOptions } from './container-create';
import { NetworkManager } from '../network/manager';
import { createNetns, createNetnsInUserns, netnsPath, removeNetns, usernsPath } from '../network/netns';
import { effectiveBindings } from '../network/ports';
import { hostsFile, nameservers, type HostRecord } from '../network/etc-files';
import { resolvConfOf } from './container-mounts';
import { linkHostNames, parseLink } from '../container/links';
import { checkHostsName } from '../network/host-names';
import type { NetworkBackend } from '../network/backend';
import type { Endpoint, PortMap } from '../network/types';
import { setNetworkHost } from '../network/host-netns';
import { isRootless } from '../rootless/identity';
import { RootlessNetwork } from '../rootless/network';
import { readKeepId, type KeepId } from '../rootless/keep-id';
import { connectedNetworks, ownsNoEndpoint } from '../container/namespace-modes';
import { ensureResolver, hasResolver, resolverCommand, resolverOf, type ResolverStart } from '../network/dns-resolvers';

export interface NetworkSetup {
  /** Namespace for the spec: a path, 'host', or undefined for a private one of runc's. */
  netns?: string;
  /** The user namespace that owns `netns`, for a keep-id container (its own user namespace). */
  userns?: string;
  endpoints: Record<string, Endpoint>;
  /** The resolver serving the container's names (its first user-defined network's gateway), for resolv.conf. */
  nameserver?: string;
}

/** The network a mode names: Docker's "default" is the bridge network. */
export function networkName(mode: string): string {
  return mode === 'default' ? 'bridge' : mode;
}

const without = <T>(o: Record<string, T>, key: string): Record<string, T> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** Network namespaces of containers: made under the run root, and removed (idempotent). */
export interface Namespaces {
  /** The container's network namespace; with `keepId`, owned by a user namespace of its own (`userns`). */
  create(runroot: string, id: string, keepId?: KeepId): Promise<{ netns: string; userns?: string }>;
  /** Removes the network namespace and the user namespace owning it, if any; never fails. */
  remove(runroot: string, id: string): Promise<void>;
}

/** The host's namespaces: made by unshare, bind-mounted on files under the run root. */
const hostNamespaces: Namespaces = {
  create: async (runroot, id, keepId) =>
    keepId ? createNetnsInUserns(runroot, id, keepId) : { netns: await createNetns(runroot, id) },
  remove: async (runroot, id) => {
    await removeNetns(netnsPath(runroot, id)).catch(() => {});
    await removeNetns(usernsPath(runroot, id)).catch(() => {});
  },
};

/** A backend; NetworkManager's also holds the host's state open, and counts every attachment (rootless networking's). */
type Backend = NetworkBackend & { close?(): void; attachments?(): unknown[] };

/** Where the container's networks come from: the backend (made when first used) and its namespaces. */
export interface NetworkParts<B extends Backend> {
  backend: () => B;
  namespaces: Namespaces;
  /** An ordinary user's networks live in a namespace of the user's own (rootless); off for in-memory backends. */
  rootless: boolean;
  /** How user-defined networks' DNS resolvers are started (none: names in /etc/hosts only). */
  resolvers?: ResolverStart;
}

export class ContainerNetworking<B extends Backend = NetworkManager> {
  private manager_?: B;
  private rootless_?: RootlessNetwork;

  constructor(
    private readonly runroot: string,
    private readonly records: ContainerRecords,
    private readonly containerDir: (id: string) => string,
    private readonly parts: NetworkParts<B>,
  ) {}

  /** The host's: bridges, CNI plugins and iptables (NetworkManager), in namespaces made by unshare. */
  static onHost(
    root: string,
    runroot: string,
    records: ContainerRecords,
    containerDir: (id: string) => string,
  ): ContainerNetworking {
    return new ContainerNetworking(runroot, records, containerDir, {
      backend: () => new NetworkManager({ root, runroot }),
      namespaces: hostNamespaces,
      rootless: true,
      resolvers: { root, runroot, command: resolverCommand() },
    });
  }

  get manager(): B {
    if (!this.manager_ && this.parts.rootless && isRootless()) {
      this.rootless_ = new RootlessNetwork(this.runroot);
      setNetworkHost(this.rootless_.ensureNetns());
    }
    this.manager_ ??= this.parts.backend();
    return this.manager_;
  }

  /** The rootless network namespace's slirp4netns and the namespace itself go (`system reset`). */
  async destroyRootless(): Promise<void> {
    await this.rootless_?.destroy();
  }

  /** Checks --network and -p at create time, as Docker refuses them then. */
  async validate(mode: string, ports: PortMap): Promise<void> {
    if (mode.startsWith('container:')) {
      if (Object.keys(ports).length)
        throw invalidArgument('conflicting options: port publishing and the container type network mode');
      return;
    }
    if (mode === 'host' || mode === 'none') return;
    await this.manager.inspect(networkName(mode)); // "network X not found"
  }

  async setup(c: Container, peerNetns: (idOrName: string) => string): Promise<NetworkSetup> {
    const mode = c.record.hostConfig.NetworkMode;
    if (mode === 'host') return { netns: 'host', endpoints: {} };
    if (mode === 'none') return { endpoints: {} };
    if (mode.startsWith('container:')) return { netns: peerNetns(mode.slice('container:'.length)), endpoints: {} };
    const ports = effectiveBindings(
      (c.record.config.ExposedPorts ?? {}) as Record<string, Record<string, never>>,
      c.record.hostConfig.PortBindings,
      c.record.hostConfig.PublishAllPorts,
    );
    const manager = this.manager;
    const keepId = readKeepId(this.containerDir(c.record.id));
    let userns: string | undefined;
    const attach = async () => {
      let ns: string;
      ({ netns: ns, userns } = await this.parts.namespaces.create(this.runroot, c.record.id, keepId));
      try {
        const endpoints: Record<string, Endpoint> = {};
        // published ports go with the first network (eth0), as Docker's
        for (const [i, name] of connectedNetworks(c.record).entries()) {
          endpoints[name] = await manager.attach(
            c.record.id,
            ns,
            name,
            this.endpointOptions(c, name, i === 0 ? ports : {}, [], i === 0),
          );
        }
        return endpoints;
      } catch (e) {
        await manager.detachAll(c.record.id, ns).catch(() => {});
        await this.parts.namespaces.remove(this.runroot, c.record.id);
        throw e;
      }
    };
    const endpoints = this.rootless_
      ? await this.rootless_.connect(ports, attach, () => manager.attachments?.().length ?? 0)
      : await attach();
    let nameserver: string | undefined;
    for (const name of Object.keys(endpoints)) {
      const served = await this.startResolver(name);
      nameserver ??= served;
    }
    return { netns: netnsPath(this.runroot, c.record.id), userns, endpoints, nameserver };
  }

  /**
   * The network's DNS resolver, started if none serves it: its address, or undefined
   * where there is none (default bridge; rootless, whose bridges live in the user's
   * own namespace, out of the resolver's reach; a resolver that could not start:
   * the names are in /etc/hosts all the same).
   */
  private async startResolver(network: string, start = true): Promise<string | undefined> {
    // (the default bridge, on every plain run, has none: no need to read its config)
    if (!this.parts.resolvers || this.rootless_ || network === 'bridge') return undefined;
    const net = await this.manager.inspect(network);
    if (!hasResolver(net)) return undefined;
    try {
      if (start) await ensureResolver(this.parts.resolvers, net);
    } catch (e) {
      if (!(e instanceof Error)) throw e; // spawning failed: /etc/hosts still names the peers
    }
    return resolverOf(this.runroot, net.id) ? net.gateway : undefined;
  }

  /**
   * A running container's resolv.conf after it joined or left a network: kept while
   * a resolver of its networks serves it, else that of its first network with one
   * (Docker's sandbox rewrites it to 127.0.0.11 at the first user-defined network
   * joined), else the host's servers again. Written in place, as /etc/hosts.
   */
  private async refreshResolvConf(c: Container): Promise<void> {
    const file = path.join(this.containerDir(c.record.id), 'resolv.conf');
    if (!c.state.Networks || !fs.existsSync(file)) return;
    const current = fs.readFileSync(file, 'utf8');
    const served: string[] = [];
    for (const name of Object.keys(c.state.Networks)) {
      const gw = await this.startResolver(name, false);
      if (gw) served.push(gw);
    }
    const ns = nameservers(current);
    if (ns.length === 1 && served.includes(ns[0])) return;
    const next = resolvConfOf(c, served[0]);
    if (next !== current) fs.writeFileSync(file, next);
  }

  /** `own`: the container's own network (its NetworkMode's), the one Config.MacAddress is for, as Docker's. */
  private endpointOptions(c: Container, network: string, ports: PortMap, extraAliases: string[] = [], own = false) {
    const attachment = c.record.networks[network];
    const aliases = [...(attachment?.aliases ?? []), ...extraAliases];
    return {
      name: c.record.name,
      ports,
      aliases: [...new Set([c.record.config.Hostname ?? '', ...aliases].filter(Boolean))],
      ...(attachment?.ipv4Address ? { ip: attachment.ipv4Address } : {}),
      ...(attachment?.ipv6Address ? { ip6: attachment.ipv6Address } : {}),
      ...(own && c.record.config.MacAddress ? { mac: c.record.config.MacAddress } : {}),
    };
  }

  /**
   * Gives back addresses, ports, rules and the namespace; safe to call twice, and
   * at once (each attachment is undone once: Attachments.delOnce).
   */
  async teardown(c: Container): Promise<void> {
    if (ownsNoEndpoint(c.record.hostConfig.NetworkMode)) return;
    const ns = netnsPath(this.runroot, c.record.id);
    const manager = this.manager;
    const detach = async () => {
      await manager.detachAll(c.record.id, fs.existsSync(ns) ? ns : undefined);
      await this.parts.namespaces.remove(this.runroot, c.record.id);
    };
    if (this.rootless_)
      await this.rootless_.disconnect(
        manager.endpoints(c.record.id),
        detach,
        () => manager.attachments?.().length ?? 0,
      );
    else await detach();
    for (const name of new Set([...connectedNetworks(c.record), ...Object.keys(c.state.Networks ?? {})]))
      await this.refreshPeers(name, c.record.id);
  }

  /** /etc/hosts of a container: itself, and on user-defined networks its peers by name. */
  hosts(c: Container, endpoints: Record<string, Endpoint>): string {
    const [, ep] = Object.entries(endpoints)[0] ?? [];
    const self = { ip: ep?.IPAddress, hostname: c.record.config.Hostname ?? '', name: c.record.name };
    const extra = [
      ...extraHostRecords(c.record.hostConfig.ExtraHosts, ep?.Gateway),
      ...(endpoints.bridge ? this.legacyLinkRecords(c) : []),
    ];
    const peers = Object.keys(endpoints)
      .filter((net) => net !== 'bridge')
      .flatMap((net) => {
        // --link on a user-defined network: one more name for the linked container, here only
        const links = (c.record.networks[net]?.links ?? []).map(parseLink);
        return this.manager.peers(net).map((p) => ({
          ...p,
          aliases: [
            ...p.aliases,
            ...links.filter((l) => l.name === p.name || p.containerId.startsWith(l.name)).map((l) => l.alias),
          ],
        }));
      })
      .filter((p) => p.containerId !== c.record.id)
      .map((p) => ({ ip: p.ip, name: p.name, aliases: p.aliases }));
    return hostsFile(self, peers, extra);
  }

  /** Legacy links on the default bridge: "IP<TAB>alias hostname name" for each linked container that runs there. */
  private legacyLinkRecords(c: Container): HostRecord[] {
    return (c.record.links ?? []).flatMap((l) => {
      const child = this.records.get(l.id);
      const ip = child?.state.Networks?.bridge?.IPAddress;
      return child && ip
        ? [
            {
              ip,
              hosts: linkHostNames(l.alias, { hostname: child.record.config.Hostname ?? '', name: child.record.name }),
            },
          ]
        : [];
    });
  }

  /**
   * `network connect`: recorded for the container's next starts, and attached now
   * (a new interface in its namespace) when it runs.
   */
  async connect(c: Container, network: string, opts: EndpointOptions): Promise<void> {
    const aliases = opts.aliases ?? [];
    for (const a of aliases) checkHostsName(a, 'network alias'); // peers' /etc/hosts will list it
    const mode = c.record.hostConfig.NetworkMode;
    if (mode === 'none')
      throw invalidArgument(
        'container cannot be connected to multiple networks with one of the networks in private (none) mode',
      );
    if (ownsNoEndpoint(mode))
      throw invalidArgument(
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    const net = await this.manager.inspect(network);
    if (net.name === 'host' || net.name === 'none')
      throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    if (connectedNetworks(c.record).includes(net.name))
      throw conflict(`endpoint with name ${c.record.name} already exists in network ${net.name}`);
    const running = c.state.Status === 'running' || c.state.Status === 'paused';
    if (running) {
      const ep = await this.manager.attach(c.record.id, netnsPath(this.runroot, c.record.id), net.name, {
        ...this.endpointOptions(c, net.name, {}, aliases),
        ip: opts.ipv4Address,
        ip6: opts.ipv6Address,
      });
      this.records.updateState(c.record.id, (s) => ({ ...s, Networks: { ...(s.Networks ?? {}), [net.name]: ep } }));
      await this.startResolver(net.name);
    }
    const attachment = attachmentOf({ ...opts, aliases }); // kept for the next starts
    const record = this.records.updateRecord(c.record.id, (r) => ({
      ...r,
      networks: { ...r.networks, [net.name]: attachment },
    }));
    if (running) {
      const now = { record, state: this.records.find(c.record.id).state };
      await this.rewriteHosts(now, net.name);
      await this.refreshResolvConf(now);
    }
  }

  /** `network disconnect`: off the network now if it runs, and at its next starts. */
  async disconnect(c: Container, network: string): Promise<void> {
    const net = await this.manager.inspect(network);
    if (!connectedNetworks(c.record).includes(net.name))
      throw invalidArgument(`container ${c.record.id} is not connected to network ${net.name}`);
    if ((c.state.Status === 'running' || c.state.Status === 'paused') && c.state.Networks?.[net.name]) {
      await this.manager.detach(c.record.id, netnsPath(this.runroot, c.record.id), net.name);
      this.records.updateState(c.record.id, (s) => ({ ...s, Networks: without(s.Networks ?? {}, net.name) }));
    }
    const record = this.records.updateRecord(c.record.id, (r) => ({ ...r, networks: without(r.networks, net.name) }));
    const now = this.records.find(c.record.id);
    if (now.state.Networks) {
      await this.rewriteHosts({ record, state: now.state }, net.name);
      await this.refreshResolvConf({ record, state: now.state });
    }
  }

  /** The container's own /etc/hosts, and its peers' on `network`. */
  private async rewriteHosts(c: Container, network: string): Promise<void> {
    const file = path.join(this.containerDir(c.record.id), 'hosts');
    if (fs.existsSync(file) && c.state.Networks) fs.writeFileSync(file, this.hosts(c, c.state.Networks));
    await this.refreshPeers(network, c.record.id);
  }

  /** Rewrites the hosts files of the running containers on a network (someone joined or left). */
  async refreshPeers(network: string, exceptId?: string): Promise<void> {
    if (network === 'bridge' || ownsNoEndpoint(network)) return;
    for (const p of this.manager.peers(network)) {
      if (p.containerId === exceptId) continue;
      const c = this.records.get(p.containerId);
      if (!c?.state.Networks) continue;
      const file = path.join(this.containerDir(c.record.id), 'hosts');
      // written in place: the container sees this inode through its bind mount
      if (fs.existsSync(file)) fs.writeFileSync(file, this.hosts(c, c.state.Networks));
    }
  }

  /** The namespace of a running container, for --network container:NAME. */
  static netnsOf(runroot: string, c: Container): string {
    if (c.state.Status !== 'running' && c.state.Status !== 'paused')
      throw conflict(`cannot join network of a non running container: ${c.record.id}`);
    const ns = netnsPath(runroot, c.record.id);
    return fs.existsSync(ns) ? ns : `/proc/${c.state.Pid}/ns/net`;
  }

  close(): void {
    this.manager_?.close?.();
  }
}
