// A pod's network: its own namespace, attached through the CNI plugins (bridge,
// host-local, portmap for host ports) to a stowage bridge network kept for pods
// (`stowage-cri` by default, created when the first pod needs it). The same
// NetworkManager the Docker-style containers use does the work, so host ports
// pods and containers take never clash, and `stowage network ls` shows it.
import { isNotFound } from '../errdefs';
import { NetworkManager } from '../network/manager';
import { createNetns, removeNetns } from '../network/netns';
import type { PortMap } from '../network/types';
import type { PortMapping } from './types';

/** CRI port mappings as a port map: only those with a host port are programmed, as containerd does. */
export function portMap(mappings: PortMapping[]): PortMap {
  const ports: PortMap = {};
  for (const m of mappings) {
    if (!(m.host_port > 0)) continue;
    const key = `${m.container_port}/${(m.protocol || 'TCP').toLowerCase()}`;
    (ports[key] ??= []).push({ HostIp: m.host_ip || '', HostPort: String(m.host_port) });
  }
  return ports;
}

export class PodNetwork {
  readonly manager: NetworkManager;
  private ready?: Promise<void>;

  constructor(
    root: string,
    private readonly runroot: string,
    private readonly opts: { network: string; subnet: string; binDirs: string[] },
  ) {
    this.manager = new NetworkManager({ root, runroot, cniPath: opts.binDirs.join(':') });
  }

  /** The pods' network, created if missing (once per process, again after a failure). */
  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await this.manager.inspect(this.opts.network);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await this.manager
          .create(this.opts.network, { subnet: this.opts.subnet || undefined, labels: { 'io.stowage.cri': 'pods' } })
          .catch(async (err: unknown) => {
            // another process made it meanwhile
            await this.manager.inspect(this.opts.network).catch(() => {
              throw err;
            });
          });
      }
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** The pod's network namespace (attach it when the pause process is on its way). */
  createNetns(podId: string): Promise<string> {
    return createNetns(this.runroot, podId);
  }

  /** Attaches the pod's namespace to the pods' network; resolves with the pod's IP. */
  async attach(podId: string, netns: string, name: string, mappings: PortMapping[]): Promise<string> {
    await this.ensure();
    try {
      const ep = await this.manager.attach(podId, netns, this.opts.network, { name, ports: portMap(mappings) });
      return ep.IPAddress;
    } catch (e) {
      await this.manager.detachAll(podId, netns).catch(() => {});
      throw e;
    }
  }

  /** Detaches the pod (CNI DEL) and removes its namespace. Idempotent. */
  async tearDown(podId: string, netns: string): Promise<void> {
    try {
      await this.manager.detachAll(podId, netns || undefined);
    } finally {
      if (netns) await removeNetns(netns);
    }
  }

  close(): void {
    this.manager.close();
  }
}
