// A container's networking: its own network namespace joined to a bridge
// network through the CNI plugins (or the host's, none, or another container's),
// published ports, and the /etc/hosts entries that let containers on a
// user-defined network find each other by name.
import fs from 'node:fs';
import path from 'node:path';
import { extraHostRecords } from '../container/host-options';
import { conflict, invalidArgument } from '../errdefs';
import type { Container, ContainerStore } from '../container/store';
import { NetworkManager } from '../network/manager';
import { createNetns, netnsPath, removeNetns } from '../network/netns';
import { effectiveBindings } from '../network/ports';
import { hostsFile } from '../network/etc-files';
import type { Endpoint, PortMap } from '../network/types';

export interface NetworkSetup {
  /** Namespace for the spec: a path, 'host', or undefined for a private one of runc's. */
  netns?: string;
  endpoints: Record<string, Endpoint>;
}

/** The network a mode names: Docker's "default" is the bridge network. */
export function networkName(mode: string): string {
  return mode === 'default' ? 'bridge' : mode;
}

const special = (mode: string) => mode === 'host' || mode === 'none' || mode.startsWith('container:');

export class ContainerNetworking {
  private manager_?: NetworkManager;

  constructor(
    private readonly root: string,
    private readonly runroot: string,
    private readonly records: ContainerStore,
    private readonly containerDir: (id: string) => string,
  ) {}

  get manager(): NetworkManager {
    this.manager_ ??= new NetworkManager({ root: this.root, runroot: this.runroot });
    return this.manager_;
  }

  /** Checks --network and -p at create time, as Docker refuses them then. */
  async validate(mode: string, ports: PortMap): Promise<void> {
    if (mode.startsWith('container:')) {
      if (Object.keys(ports).length) throw invalidArgument('conflicting options: port publishing and the container type network mode');
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
    const name = networkName(mode);
    const ns = await createNetns(this.runroot, c.record.id);
    try {
      const ports = effectiveBindings(
        (c.record.config.ExposedPorts ?? {}) as Record<string, Record<string, never>>,
        c.record.hostConfig.PortBindings,
        c.record.hostConfig.PublishAllPorts,
      );
      const ep = await this.manager.attach(c.record.id, ns, name, { name: c.record.name, ports, aliases: [c.record.config.Hostname ?? ''].filter(Boolean) });
      return { netns: ns, endpoints: { [name]: ep } };
    } catch (e) {
      await this.manager.detachAll(c.record.id, ns).catch(() => {});
      await removeNetns(ns).catch(() => {});
      throw e;
    }
  }

  /** Gives back addresses, ports, rules and the namespace; safe to call twice. */
  async teardown(c: Container): Promise<void> {
    const mode = c.record.hostConfig.NetworkMode;
    if (special(mode)) return;
    const ns = netnsPath(this.runroot, c.record.id);
    await this.manager.detachAll(c.record.id, fs.existsSync(ns) ? ns : undefined);
    await removeNetns(ns).catch(() => {});
    await this.refreshPeers(networkName(mode), c.record.id);
  }

  /** /etc/hosts of a container: itself, and on a user-defined network its peers by name. */
  hosts(c: Container, endpoints: Record<string, Endpoint>): string {
    const [net, ep] = Object.entries(endpoints)[0] ?? [];
    const self = { ip: ep?.IPAddress, hostname: c.record.config.Hostname ?? '', name: c.record.name };
    const extra = extraHostRecords(c.record.hostConfig.ExtraHosts, ep?.Gateway);
    if (!ep || net === 'bridge') return hostsFile(self, [], extra);
    const peers = this.manager.peers(net!).filter((p) => p.containerId !== c.record.id).map((p) => ({ ip: p.ip, name: p.name, aliases: p.aliases }));
    return hostsFile(self, peers, extra);
  }

  /** Rewrites the hosts files of the running containers on a network (someone joined or left). */
  async refreshPeers(network: string, exceptId?: string): Promise<void> {
    if (network === 'bridge' || special(network)) return;
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
    if (c.state.Status !== 'running' && c.state.Status !== 'paused') throw conflict(`cannot join network of a non running container: ${c.record.id}`);
    const ns = netnsPath(runroot, c.record.id);
    return fs.existsSync(ns) ? ns : `/proc/${c.state.Pid}/ns/net`;
  }

  close(): void {
    this.manager_?.close();
  }
}

