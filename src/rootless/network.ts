// Bridge networks for an ordinary user: the same networks root gets (CNI
// bridges, IPAM, firewall rules, /etc/hosts peers), inside a network namespace
// of the user's own (<runroot>/netns/rootless) instead of the host's, as
// podman's rootless-netns. slirp4netns connects it to the host: outbound
// traffic leaves through it, and each published port is a host port it
// listens on (127.0.0.1 or 0.0.0.0, as -p asks) and forwards to the namespace,
// where the portmap plugin's DNAT takes it to the container. It runs while a
// container is attached and stops with the last one, as podman's does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StowageError, failedPrecondition, internal } from '../errdefs';
import { ensureSharedDir, isNetns, netnsDir, netnsPath } from '../network/netns';
import type { Endpoint, PortMap } from '../network/types';
import { FileLock } from '../metadata/file-lock';
import { Slirp, type HostForward } from './slirp';

export const ROOTLESS_NETNS = 'rootless';

export class RootlessNetwork {
  readonly netns: string;
  readonly slirp: Slirp;
  private readonly nsLock: FileLock;
  private readonly slirpLock: FileLock;

  constructor(private readonly runroot: string) {
    const dir = path.join(runroot, 'network');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.netns = netnsPath(runroot, ROOTLESS_NETNS);
    this.slirp = new Slirp(dir, this.netns);
    this.nsLock = new FileLock(path.join(dir, 'netns.lock'));
    this.slirpLock = new FileLock(path.join(dir, 'slirp4netns.lock'));
  }

  /** The user's network namespace, made (with lo up) the first time. */
  ensureNetns(): string {
    if (isNetns(this.netns)) return this.netns;
    this.nsLock.sync(() => {
      if (isNetns(this.netns)) return;
      ensureSharedDir(netnsDir(this.runroot));
      fs.closeSync(fs.openSync(this.netns, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o444));
      const made = spawnSync('unshare', [`--net=${this.netns}`, 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
      if (made.status !== 0 || !isNetns(this.netns)) {
        throw internal(
          `failed to create the user's network namespace ${this.netns}: ${(made.stderr ?? '').trim() || `exit status ${made.status}`}`,
        );
      }
    });
    return this.netns;
  }

  /**
   * Attaches a container (attach), with slirp4netns running and the container's
   * published ports forwarded from the host. On failure nothing of it stays.
   */
  async connect(
    ports: PortMap,
    attach: () => Promise<Record<string, Endpoint>>,
    attachments: () => number,
  ): Promise<Record<string, Endpoint>> {
    checkUnprivilegedPorts(ports);
    return this.slirpLock.run(async () => {
      if (!this.slirp.running()) await this.slirp.start();
      const added: number[] = [];
      try {
        const endpoints = await attach();
        for (const f of forwardsOf(Object.values(endpoints)[0]?.Ports ?? {})) added.push(await this.addForward(f));
        return endpoints;
      } catch (e) {
        for (const id of added) await this.slirp.removeForward(id).catch(() => {});
        if (attachments() === 0) await this.slirp.stop();
        throw e;
      }
    });
  }

  /** Detaches a container (detach): its forwards go, and slirp4netns with the last attachment. */
  async disconnect(endpoints: Endpoint[], detach: () => Promise<void>, attachments: () => number): Promise<void> {
    await this.slirpLock.run(async () => {
      const mine = endpoints.flatMap((ep) => forwardsOf(ep.Ports ?? {}));
      if (mine.length && this.slirp.running()) {
        const live = await this.slirp.forwards().catch(() => [] as HostForward[]);
        for (const f of live) {
          if (
            f.id !== undefined &&
            mine.some((m) => m.proto === f.proto && m.hostPort === f.hostPort && m.hostAddr === f.hostAddr)
          )
            await this.slirp.removeForward(f.id).catch(() => {});
        }
      }
      await detach();
      if (attachments() === 0) await this.slirp.stop();
    });
  }

  /** Everything of it gone (`system reset`): slirp4netns and the namespace, with what was in it. */
  async destroy(): Promise<void> {
    await this.slirpLock.run(() => this.slirp.stop());
  }

  private async addForward(f: HostForward): Promise<number> {
    try {
      return await this.slirp.addForward(f);
    } catch (e) {
      throw new StowageError(
        'internal',
        `driver failed programming external connectivity: Error starting userland proxy: listen ${f.proto}4 ${f.hostAddr}:${f.hostPort}: ${(e as Error).message}`,
      );
    }
  }
}

/** The host forwards of an endpoint's bound ports (each host port forwarded as itself: portmap maps it on). */
export function forwardsOf(ports: PortMap): HostForward[] {
  const out: HostForward[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const proto = key.split('/')[1] ?? 'tcp';
    for (const b of bindings ?? []) {
      if (proto !== 'tcp' && proto !== 'udp')
        throw failedPrecondition(
          `${proto} ports cannot be published in rootless mode (slirp4netns forwards tcp and udp)`,
        );
      const port = Number(b.HostPort);
      out.push({ proto, hostAddr: b.HostIp || '0.0.0.0', hostPort: port, guestPort: port });
    }
  }
  return out;
}

function unprivilegedPortStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    // no such sysctl (an old kernel): the classic 1024 limit
    return 1024;
  }
}

/** A host port below ip_unprivileged_port_start needs the host's root: refused first, with the fix (podman's rootlessport says the same). */
export function checkUnprivilegedPorts(ports: PortMap, start = unprivilegedPortStart()): void {
  for (const bindings of Object.values(ports)) {
    for (const b of bindings ?? []) {
      const [low] = (b.HostPort ?? '').split('-').map(Number);
      if (low > 0 && low < start) {
        throw failedPrecondition(
          `cannot expose privileged port ${low} in rootless mode: choose a host port >= ${start}, or as root: sysctl -w net.ipv4.ip_unprivileged_port_start=${low}`,
        );
      }
    }
  }
}
