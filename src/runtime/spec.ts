// The OCI runtime spec (config.json for runc 1.1.5, OCI spec 1.0.2) of a
// container, as Docker 20.10 builds it for `docker run` (moby oci/defaults.go
// and daemon/oci_linux.go; container/container.go for the environment).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerConfig } from '../oci/types';
import { invalidArgument } from '../errdefs';
import { boundingCaps, tweakCapabilities } from './caps';
import { containerSeccomp, type LinuxSeccomp } from './seccomp';
import { defaultDeviceRules, hostDevices, type LinuxDevice, type LinuxDeviceCgroup } from './devices';
import { resolveUser } from './user';

export { DEFAULT_CAPS, ALL_CAPS, boundingCaps } from './caps';
export { resolveUser, type ResolvedUser } from './user';
export type { LinuxDevice, LinuxDeviceCgroup } from './devices';

export interface MountSpec {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface SpecInput {
  id: string;
  rootfs: string;
  image: ContainerConfig;
  cmd?: string[];
  /** undefined = not given; '' = reset to none */
  entrypoint?: string;
  env?: string[];
  hostEnv?: Record<string, string | undefined>;
  workdir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  /** Not part of the spec (it concerns attaching); accepted so callers can pass run options through. */
  openStdin?: boolean;
  readOnly?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  noNewPrivileges?: boolean;
  /** --security-opt values: seccomp=unconfined|<profile JSON> (default: the default filter) */
  securityOpt?: string[];
  memory?: number;
  /** total memory+swap in bytes; -1 = unlimited; unset = 2 × memory */
  memorySwap?: number;
  cpus?: number;
  /** <= 0 = unlimited (-1 in the spec), as Docker */
  pidsLimit?: number;
  init?: string;
  mounts?: MountSpec[];
  netns?: string;
  /** netns is another container's (--network container:X): Docker sets network sysctls only in a namespace of the container's own */
  joinsNetns?: boolean;
  sysctls?: Record<string, string>;
  labels?: Record<string, string>;
  cgroupsPath?: string;
  hostRlimits?: { nofile: number; nproc?: number };
  /** --ulimit values: each replaces the default of its kind (-1: unlimited) */
  ulimits?: { Name: string; Soft: number; Hard: number }[];
  /** --shm-size in bytes (default 64 MiB) */
  shmSize?: number;
  /** what "all capabilities" means (privileged, --cap-add ALL); default: this process's bounding set */
  hostCaps?: string[];
  /** host devices given to a privileged container (default: scan /dev) */
  hostDevices?: LinuxDevice[];
  /** --device nodes and their cgroup rules */
  devices?: LinuxDevice[];
  deviceRules?: LinuxDeviceCgroup[];
  /** namespaces not private: 'host' (none of its own) or the path of another process's to join */
  shareNamespaces?: { ipc?: string; pid?: string; uts?: 'host' };
  /** /dev/shm: a tmpfs of its own (default), a host directory bound there, or none at all (--ipc none) */
  shm?: { bind: string } | 'none';
  /** --group-add gids, after the user's own groups */
  extraGids?: number[];
  cpuShares?: number;
  cpusetCpus?: string;
  memoryReservation?: number;
  oomKillDisable?: boolean;
  /** --oom-score-adj (default 0) */
  oomScoreAdj?: number;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal?: boolean;
    consoleSize?: { height: number; width: number };
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: {
      bounding: string[];
      effective?: string[];
      inheritable?: string[];
      permitted?: string[];
      ambient?: string[];
    };
    rlimits?: { type: string; hard: number; soft: number }[];
    noNewPrivileges?: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: MountSpec[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    devices: LinuxDevice[];
    resources: {
      devices: LinuxDeviceCgroup[];
      memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
      cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
      pids?: { limit: number };
    };
    cgroupsPath: string;
    sysctl: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: LinuxSeccomp;
  };
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const INIT_PATH = '/sbin/docker-init';
const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;
const MIN_MEMORY = 6 * 1024 * 1024;
const MAX_NOFILE = 1048576;

export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function defaultMounts(shmSize: number): MountSpec[] {
  const m = (destination: string, type: string, source: string, ...options: string[]) => ({
    destination,
    type,
    source,
    options,
  });
  return [
    m('/proc', 'proc', 'proc', 'nosuid', 'noexec', 'nodev'),
    m('/dev', 'tmpfs', 'tmpfs', 'nosuid', 'strictatime', 'mode=755', 'size=65536k'),
    m('/dev/pts', 'devpts', 'devpts', 'nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'),
    m('/sys', 'sysfs', 'sysfs', 'nosuid', 'noexec', 'nodev', 'ro'),
    m('/sys/fs/cgroup', 'cgroup', 'cgroup', 'ro', 'nosuid', 'noexec', 'nodev'),
    m('/dev/mqueue', 'mqueue', 'mqueue', 'nosuid', 'noexec', 'nodev'),
    m('/dev/shm', 'tmpfs', 'shm', 'nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`),
  ];
}

/**
 * argv of the container, with Docker's rules: run arguments replace the
 * image's Cmd; `--entrypoint X` replaces the image's Entrypoint *and drops its
 * Cmd*; `--entrypoint ''` resets the entrypoint to none; argv = Entrypoint + Cmd.
 */
export function containerArgs(image: ContainerConfig, cmd?: string[], entrypoint?: string): string[] {
  let ep: string[];
  let args: string[];
  if (entrypoint === undefined) {
    args = cmd && cmd.length > 0 ? cmd : (image.Cmd ?? []);
    ep = image.Entrypoint ?? [];
  } else {
    args = cmd ?? [];
    ep = [entrypoint];
  }
  if (ep.length === 1 && ep[0] === '') ep = []; // [""] means "no entrypoint" (also from an image)
  if (ep.length === 0 && args.length === 0) throw invalidArgument('no command specified');
  return [...ep, ...args];
}

export interface EnvInput {
  imageEnv?: string[] | null;
  /** -e / --env-file values in order: KEY=VALUE, or a bare KEY taken from hostEnv */
  env?: string[];
  /** default: process.env (the CLI and the engine are one process) */
  hostEnv?: Record<string, string | undefined>;
  hostname: string;
  tty?: boolean;
}

const envKey = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);

/**
 * The container's environment: PATH, HOSTNAME, TERM=xterm (tty) first, then
 * the user's -e values, then the image's Env not overridden by them; a later
 * value replaces an earlier one with the same key in place. A bare KEY unset
 * on the host stays bare, which in Docker *unsets* KEY (even the image's or
 * PATH/HOSTNAME), so it does here.
 */
export function containerEnv(input: EnvInput): string[] {
  const hostEnv = input.hostEnv ?? process.env;
  const user = (input.env ?? []).map((e) => {
    if (envKey(e) === '') throw invalidArgument(`invalid environment variable: ${e}`);
    if (e.includes('=')) return e;
    const v = hostEnv[e];
    return v === undefined ? e : `${e}=${v}`;
  });
  const userKeys = new Set(user.map(envKey));
  const merged = [...user, ...(input.imageEnv ?? []).filter((e) => !userKeys.has(envKey(e)))];

  const out = new Map<string, string | undefined>([
    ['PATH', `PATH=${DEFAULT_PATH}`],
    ['HOSTNAME', `HOSTNAME=${input.hostname}`],
  ]);
  if (input.tty) out.set('TERM', 'TERM=xterm');
  for (const e of merged) out.set(envKey(e), e.includes('=') ? e : undefined); // Map keeps first-insertion order
  return [...out.values()].filter((e): e is string => e !== undefined);
}

// RLIM_INFINITY, 2^64-1, cannot be a JS number; the spec's writer puts it in (see specJson)
const RLIM_INFINITY = 'RLIM_INFINITY';

function rlimits(
  nofile: number,
  ulimits: readonly { Name: string; Soft: number; Hard: number }[],
): { type: string; hard: number; soft: number }[] {
  const out = new Map([['RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }]]);
  const value = (n: number) => (n === -1 ? (RLIM_INFINITY as unknown as number) : n);
  for (const u of ulimits) {
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    out.set(type, { type, hard: value(u.Hard), soft: value(u.Soft) });
  }
  return [...out.values()];
}

/**
 * config.json's (or an exec's process.json's) text: JSON, with RLIM_INFINITY as the
 * number runc reads (read back from config.json it is a JS number past 2^53).
 */
export function specJson(spec: unknown): string {
  return JSON.stringify(spec, (_k, v: unknown) =>
    typeof v === 'number' && v > Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : v,
  ).replace(/"RLIM_INFINITY"/g, '18446744073709551615');
}

/** Hard RLIMIT_NOFILE of this process (Infinity when unlimited). */
function hostNofile(): number {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.slice('Max open files'.length).trim().split(/\s+/)[1];
    return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
  } catch {
    // no procfs limits: assume the default limit
    return MAX_NOFILE;
  }
}

const sysctlExists = (name: string) => fs.existsSync(path.join('/proc/sys', ...name.split('.')));
const cleanPath = (p: string) => path.posix.normalize(`/${p}`).replace(/(.)\/$/, '$1');
const depth = (p: string) => cleanPath(p).split('/').length;

function buildMounts(input: SpecInput): MountSpec[] {
  const user = [...(input.mounts ?? [])].sort((a, b) => depth(a.destination) - depth(b.destination)); // stable: parents first
  const userDest = new Set(user.map((m) => cleanPath(m.destination)));
  let defaults = defaultMounts(input.shmSize ?? DEFAULT_SHM_SIZE);
  if (input.shm === 'none') defaults = defaults.filter((m) => m.destination !== '/dev/shm');
  else if (input.shm) {
    const source = input.shm.bind; // a shared /dev/shm (--ipc shareable, host, container:X)
    defaults = defaults.map((m) =>
      m.destination === '/dev/shm'
        ? { destination: '/dev/shm', type: 'bind', source, options: ['rbind', 'rprivate'] }
        : m,
    );
  }
  if (input.init) defaults.push({ destination: INIT_PATH, type: 'bind', source: input.init, options: ['bind', 'ro'] });

  // A user mount replaces the default at its destination; a user /dev replaces everything under /dev.
  const kept = defaults.filter(
    (m) => !userDest.has(m.destination) && !(userDest.has('/dev') && m.destination.startsWith('/dev/')),
  );
  if (input.readOnly) {
    for (const m of kept) {
      if (
        !['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev'].includes(m.destination) &&
        !m.options.includes('ro')
      ) {
        m.options.push('ro');
      }
    }
  }
  if (input.privileged) {
    // /sys and the cgroup tree are writable for a privileged container
    for (const m of kept)
      if (m.destination === '/sys' || m.type === 'cgroup') m.options = m.options.filter((o) => o !== 'ro');
  }
  return [...kept, ...user.map((m) => ({ ...m, options: [...m.options] }))];
}

/** The cgroup limits of --memory, --memory-swap, --cpus and --pids-limit (checked as Docker checks them). */
export function buildResources(
  input: Pick<
    SpecInput,
    'memory' | 'memorySwap' | 'cpus' | 'pidsLimit' | 'cpuShares' | 'cpusetCpus' | 'memoryReservation' | 'oomKillDisable'
  >,
): Omit<OciSpec['linux']['resources'], 'devices'> {
  const res: Omit<OciSpec['linux']['resources'], 'devices'> = {};
  const memory = input.memory ?? 0;
  let swap = input.memorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (memory === 0 && swap > 0) {
    throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (memory > 0 && swap === 0) swap = memory * 2; // Docker's default: as much swap as memory
  if (memory > 0) res.memory = { limit: memory, ...(swap > 0 ? { swap } : {}) };
  if (input.memoryReservation) res.memory = { ...res.memory, reservation: input.memoryReservation };
  if (input.oomKillDisable) res.memory = { ...res.memory, disableOOMKiller: true };

  if (input.cpus !== undefined && input.cpus !== 0) {
    const nano = Math.round(input.cpus * 1e9); // NanoCPUs, as the CLI sends them
    const ncpu = os.availableParallelism();
    if (nano < 0 || nano > ncpu * 1e9) {
      throw invalidArgument(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
    }
    const period = 100000;
    res.cpu = { quota: Math.floor((nano * period) / 1e9), period };
  }
  if (input.cpuShares) {
    if (input.cpuShares < 0) throw invalidArgument('shares: invalid argument'); // the cgroup's refusal, as Docker reports it
    res.cpu = { shares: input.cpuShares, ...res.cpu };
  }
  if (input.cpusetCpus) res.cpu = { ...res.cpu, cpus: input.cpusetCpus };
  if (input.pidsLimit !== undefined) res.pids = { limit: input.pidsLimit > 0 ? input.pidsLimit : -1 };
  return res;
}

export function buildSpec(input: SpecInput): OciSpec {
  const { image } = input;
  const hostNetns = input.netns === 'host';

  let args = containerArgs(image, input.cmd, input.entrypoint);
  // the init (tini) reaps zombies and forwards signals; it runs the command after "--"
  if (input.init) args = [INIT_PATH, '--', ...args];

  if (input.workdir && !path.posix.isAbsolute(input.workdir)) {
    throw invalidArgument(`the working directory '${input.workdir}' is invalid, it needs to be an absolute path`);
  }
  // with the host's network Docker also takes the host's name
  const hostname = input.hostname || (hostNetns ? os.hostname() : input.id.slice(0, 12));
  const user = resolveUser(input.rootfs, input.user || image.User || undefined);
  const caps = tweakCapabilities(input.capAdd, input.capDrop, input.privileged, input.hostCaps ?? boundingCaps());

  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'mount' }];
  if (!hostNetns) namespaces.push(input.netns ? { type: 'network', path: input.netns } : { type: 'network' });
  const share = input.shareNamespaces ?? {};
  const ns = (type: string, how: string | undefined) => {
    if (how === 'host') return; // the host's: none of its own
    namespaces.push(how ? { type, path: how } : { type });
  };
  ns('uts', share.uts);
  ns('pid', share.pid);
  ns('ipc', share.ipc);

  const sysctl: Record<string, string> = {};
  if (input.domainname) sysctl['kernel.domainname'] = input.domainname; // no OCI field in 1.0.2: Docker uses the sysctl
  if (!hostNetns && !input.joinsNetns) {
    // unprivileged ping and low ports inside the container's own network namespace
    if (sysctlExists('net.ipv4.ping_group_range')) sysctl['net.ipv4.ping_group_range'] = '0 2147483647';
    if (sysctlExists('net.ipv4.ip_unprivileged_port_start')) sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  Object.assign(sysctl, input.sysctls);

  // podman fails when asking for more than the host's hard limit: never exceed it
  const nofile = Math.min(MAX_NOFILE, input.hostRlimits?.nofile ?? hostNofile());

  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: !!input.tty,
      user: { uid: user.uid, gid: user.gid, additionalGids: [...user.additionalGids, ...(input.extraGids ?? [])] },
      args,
      env: containerEnv({ imageEnv: image.Env, env: input.env, hostEnv: input.hostEnv, hostname, tty: input.tty }),
      cwd: input.workdir || image.WorkingDir || '/',
      // Docker (since 20.10.14) gives a non-root user only the bounding set, as execve would
      capabilities:
        user.uid === 0 ? { bounding: caps, effective: [...caps], permitted: [...caps] } : { bounding: caps },
      rlimits: rlimits(nofile, input.ulimits ?? []),
      ...(input.noNewPrivileges ? { noNewPrivileges: true } : {}),
      oomScoreAdj: input.oomScoreAdj ?? 0, // Docker always sets HostConfig.OomScoreAdj (default 0)
    },
    root: { path: input.rootfs, ...(input.readOnly ? { readonly: true } : {}) },
    // with the host's UTS namespace the container has no hostname of its own to set
    ...(share.uts === 'host' ? {} : { hostname }),
    mounts: buildMounts(input),
    ...(input.labels && Object.keys(input.labels).length > 0 ? { annotations: { ...input.labels } } : {}),
    linux: {
      namespaces,
      devices: input.privileged ? (input.hostDevices ?? hostDevices()) : [...(input.devices ?? [])],
      resources: {
        devices: input.privileged
          ? [{ allow: true, access: 'rwm' }]
          : [...defaultDeviceRules(), ...(input.deviceRules ?? [])],
        ...buildResources(input),
      },
      cgroupsPath: input.cgroupsPath ?? `/stowage/${input.id}`,
      sysctl,
      ...(input.privileged ? {} : { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] }),
      ...withSeccomp(containerSeccomp(input.securityOpt ?? [], !!input.privileged, caps)),
    },
  };
  return spec;
}

const withSeccomp = (seccomp: LinuxSeccomp | undefined) => (seccomp ? { seccomp } : {});
