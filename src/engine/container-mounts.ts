// What a container mounts besides its root filesystem: the /etc files stowage
// writes for it, and its volumes, bind mounts and tmpfs.
import { keepIdEtcFiles, readKeepId } from '../rootless/keep-id';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { internal } from '../errdefs';
import type { Container } from '../container/store';
import { customResolvConf, resolvConf, resolverResolvConf } from '../network/etc-files';
import { O_PATH, tryOpenInRoot, using } from '../fd/at';
import type { MountSpec } from '../runtime/spec';
import type { VolumeRequest } from '../volume/specs';

/** Volumes, binds and tmpfs for the runtime spec; a new empty volume is first filled from the image. */
export function volumeMounts(c: Container, merged: string): MountSpec[] {
  return c.record.mounts.map((m) => {
    if (m.Type === 'tmpfs') {
      return {
        destination: m.Destination,
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'noexec', ...(m.RW ? [] : ['ro']), ...(m.TmpfsOptions ?? [])],
      };
    }
    if (m.Type === 'volume' && !(m as VolumeRequest).NoCopy) copyUp(merged, m.Destination, m.Source);
    const propagation = m.Type === 'bind' ? m.Propagation || 'rprivate' : 'rprivate';
    return {
      destination: m.Destination,
      type: 'bind',
      source: m.Source,
      options: ['rbind', propagation, m.RW ? 'rw' : 'ro'],
    };
  });
}

/** `nameserver`: the resolver of the container's user-defined network, which forwards to --dns. */
export function resolvConfOf(c: Container, nameserver?: string): string {
  const host = readOr('/etc/resolv.conf', '');
  const { Dns = [], DnsSearch = [], DnsOptions = [] } = c.record.hostConfig;
  if (nameserver) return resolverResolvConf(host, nameserver, DnsSearch, DnsOptions);
  return Dns.length || DnsSearch.length || DnsOptions.length
    ? customResolvConf(host, Dns, DnsSearch, DnsOptions)
    : resolvConf(host);
}

/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf, written for the container and bind-mounted.
 * `donorDir`: --network container:X's own files; `nameserver`: the resolver of the container's user-defined network.
 */
export function etcMounts(
  c: Container,
  dir: string,
  hosts: string,
  donorDir?: string,
  nameserver?: string,
): MountSpec[] {
  const { Hostname } = c.record.config;
  const files: Record<string, string> = {
    hostname: `${Hostname}\n`,
    hosts,
    'resolv.conf': resolvConfOf(c, nameserver),
  };
  if (c.record.hostConfig.NetworkMode === 'host') {
    files.hosts = readOr('/etc/hosts', files.hosts);
    files.hostname = readOr('/etc/hostname', files.hostname);
  }
  const mounts: MountSpec[] = [];
  for (const [name, content] of Object.entries(files)) {
    // --network container:X shares X's files (Docker's initializeNetworkingPaths): X's updates reach it
    const file = path.join(donorDir ?? dir, name);
    if (!donorDir) fs.writeFileSync(file, content);
    mounts.push({
      destination: `/etc/${name}`,
      type: 'bind',
      source: file,
      options: ['rbind', 'rprivate', c.record.hostConfig.ReadonlyRootfs ? 'ro' : 'rw'],
    });
  }
  return mounts;
}

/** --userns=keep-id: /etc/passwd and /etc/group naming the user, when the image does not. */
export function keepIdMounts(c: Container, merged: string, dir: string): MountSpec[] {
  if (c.record.hostConfig.UsernsMode !== 'keep-id') return [];
  const k = readKeepId(dir);
  if (!k) return [];
  const ro = c.record.hostConfig.ReadonlyRootfs ? 'ro' : 'rw';
  return keepIdEtcFiles(merged, dir, k).map((f) => ({
    destination: `/etc/${f.name}`,
    type: 'bind',
    source: f.file,
    options: ['rbind', 'rprivate', ro],
  }));
}

/**
 * Docker's copy-up: a volume that is still empty gets what the image has at the
 * mount point. The path is resolved by the kernel inside the root filesystem, so
 * a symlink in the image can never point the copy at the host; cp copies from
 * that directory's descriptor (through /proc/<our pid>/fd) and does not follow the links it meets.
 */
function copyUp(merged: string, dest: string, volumeDir: string): void {
  if (fs.readdirSync(volumeDir).length > 0) return;
  const src = using(fs.openSync(merged, O_PATH | fs.constants.O_DIRECTORY), (rootFd) => tryOpenInRoot(rootFd, dest));
  if (src === undefined) return;
  using(src, () => {
    const root = fs.fstatSync(src);
    if (!root.isDirectory()) return;
    const r = spawnSync('cp', ['-a', '--no-dereference', `/proc/${process.pid}/fd/${src}/.`, `${volumeDir}/`], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw internal(`copying ${dest} from the image into its volume: ${r.stderr.trim()}`);
    fs.chownSync(volumeDir, root.uid, root.gid);
    fs.chmodSync(volumeDir, root.mode & 0o7777);
  });
}

export function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // the host file may not exist (no /etc/hostname in a minimal host): the default stands
    return fallback;
  }
}
