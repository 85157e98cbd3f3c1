// The files a pod's containers share, as containerd makes them
// (pkg/cri/server/sandbox_run_linux.go): /etc/hostname, /etc/hosts (the host's),
// /etc/resolv.conf (from the pod's DNS config, else the host's), and /dev/shm, a
// tmpfs of the pod's own unless it shares the host's IPC namespace.
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errdefs';
import { MNT_DETACH, native } from '../native';
import type { DNSConfig } from './types';

const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const SHM_SIZE = 64 * 1024 * 1024;

export interface SandboxFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
  shm: string;
}

export function sandboxFiles(dir: string): SandboxFiles {
  return {
    hostname: path.join(dir, 'hostname'),
    hosts: path.join(dir, 'hosts'),
    resolvConf: path.join(dir, 'resolv.conf'),
    shm: path.join(dir, 'shm'),
  };
}

/** resolv.conf from a pod's DNS config (containerd's parseDNSOptions); undefined: take the host's. */
export function resolvConf(dns: DNSConfig | null | undefined): string | undefined {
  if (!dns || (dns.servers.length === 0 && dns.searches.length === 0 && dns.options.length === 0)) return undefined;
  let s = '';
  if (dns.searches.length > 0) s += `search ${dns.searches.join(' ')}\n`;
  if (dns.servers.length > 0) s += `nameserver ${dns.servers.join('\nnameserver ')}\n`;
  if (dns.options.length > 0) s += `options ${dns.options.join(' ')}\n`;
  return s;
}

const hostFile = (p: string, fallback: string) => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    // the host has no such file (or it is unreadable): use the default content
    return fallback;
  }
};

/** Writes the pod's files; mounts its /dev/shm unless it uses the host's IPC namespace. */
export function writeSandboxFiles(
  dir: string,
  opts: { hostname: string; dns: DNSConfig | null; hostIpc: boolean },
): SandboxFiles {
  const f = sandboxFiles(dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  fs.writeFileSync(f.hostname, `${opts.hostname}\n`, { mode: 0o644 });
  fs.writeFileSync(f.hosts, hostFile('/etc/hosts', '127.0.0.1\tlocalhost\n'), { mode: 0o644 });
  fs.writeFileSync(f.resolvConf, resolvConf(opts.dns) ?? hostFile('/etc/resolv.conf', ''), { mode: 0o644 });
  if (!opts.hostIpc) {
    fs.mkdirSync(f.shm, { recursive: true, mode: 0o700 });
    native.mount('shm', f.shm, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${SHM_SIZE}`);
  }
  return f;
}

/** Unmounts the pod's /dev/shm (idempotent). */
export function unmountShm(dir: string): void {
  const shm = sandboxFiles(dir).shm;
  for (let i = 0; i < 4; i++) {
    try {
      native.umount2(shm, MNT_DETACH);
    } catch (e) {
      if (['EINVAL', 'ENOENT'].includes(errnoCode(e) ?? '')) return; // not mounted (any more)
      throw e;
    }
  }
}

/** Removes the pod's files (after unmountShm). */
export function removeSandboxFiles(dir: string): void {
  unmountShm(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
