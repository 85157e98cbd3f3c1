// From `docker create` / `docker run` options to a container record: the image's
// config merged with the flags exactly as Docker merges them.
import os from 'node:os';
import { checkUsernsMode, keepIdOfThisUser } from '../rootless/keep-id';
import type { Digest } from '../digest';
import { randomId } from '../digest';
import { invalidArgument } from '../errdefs';
import { nowGoTime } from '../image/config-json';
import type { Image } from '../image/store';
import { seccompFromProfile, seccompOption } from '../runtime/seccomp';
import { containerArgs } from '../runtime/spec';
import { isSignal } from '../runtime/signal';
import type { Ulimit } from '../container/host-options';
import { mergeHealthcheck, validateHealthcheck, type HealthConfig } from '../container/healthcheck';
import { NO_RESTART, validateRestartPolicy, type RestartPolicy } from '../container/restart-policy';
import { checkHostname, checkHostsName, checkResolvWord } from '../network/host-names';
import { isIPv4, isIPv6 } from 'node:net';
import type {
  ContainerRecord,
  DeviceMapping,
  HostConfig,
  MountPoint,
  NetworkAttachment,
  PortBindings,
} from '../container/types';
import { checkCpuset } from '../container/cpuset';
import { logConfigOf } from '../container/log-config';
import { parseDeviceCgroupRule } from '../container/devices';

export interface CreateOptions {
  image: string;
  cmd: string[];
  name?: string;
  entrypoint?: string;
  env: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  /** Config.MacAddress: the MAC address of the interface on the container's own network */
  macAddress?: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  readOnly: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  memory: number;
  memorySwap?: number;
  cpus: number;
  pidsLimit?: number;
  init: boolean;
  labels: Record<string, string>;
  runtime: string;
  /** --userns: '' or host, or keep-id (rootless, as podman) */
  usernsMode?: string;
  networkMode: string;
  portBindings: PortBindings;
  publishAll: boolean;
  exposedPorts: Record<string, object>;
  mounts: MountPoint[];
  binds: string[];
  stopSignal?: string;
  stopTimeout?: number;
  shmSize?: number;
  restartPolicy?: RestartPolicy;
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  ulimits?: Ulimit[];
  /** the run's healthcheck (merged with the image's) */
  healthcheck?: HealthConfig;
  /** Config.Shell (API only): the shell of CMD-SHELL healthchecks */
  shell?: string[];
  containerIdFile?: string;
  logDriver?: string;
  logOpts?: Record<string, string>;
  /** "container[:ro|:rw]" (the mounts are copied by ContainerService.create) */
  volumesFrom?: string[];
  groupAdd?: string[];
  ipcMode?: string;
  pidMode?: string;
  utsMode?: string;
  cpuShares?: number;
  cpusetCpus?: string;
  memoryReservation?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  devices?: DeviceMapping[];
  sysctls?: Record<string, string>;
  /** --tmpfs as HostConfig.Tmpfs records it (the mounts themselves are volume requests) */
  tmpfs?: Record<string, string>;
  /** HostConfig.Isolation: kept as given ("default" is the only one on Linux) */
  isolation?: string;
  /** --device-cgroup-rule: "TYPE MAJOR:MINOR ACCESS" */
  deviceCgroupRules?: string[];
  /** legacy links (the default bridge network): "name[:alias]" */
  links?: string[];
  /** the --network's endpoint: --network-alias, --ip, and --link on a user-defined network */
  endpoint?: EndpointOptions;
  /** (API) an endpoint on another network than NetworkMode's: joined too */
  extraNetworks?: Record<string, EndpointOptions>;
}

export interface EndpointOptions {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  links?: string[];
  linkLocalIps?: string[];
  driverOpts?: Record<string, string>;
}

export const attachmentOf = (e: EndpointOptions | undefined): NetworkAttachment => ({
  aliases: e?.aliases ?? [],
  ...(e?.ipv4Address ? { ipv4Address: e.ipv4Address } : {}),
  ...(e?.ipv6Address ? { ipv6Address: e.ipv6Address } : {}),
  ...(e?.links?.length ? { links: e.links } : {}),
  ...(e?.linkLocalIps?.length ? { linkLocalIps: e.linkLocalIps } : {}),
  ...(e?.driverOpts && Object.keys(e.driverOpts).length ? { driverOpts: e.driverOpts } : {}),
});

/** A map with its keys in order, as Go writes maps in JSON. */
const sortedKeys = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Whether a network mode names a user-defined network (Docker's NetworkMode.IsUserDefined). */
export function isUserDefinedNetwork(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** The warnings Docker's create answers with (the docker CLI prints each as "WARNING: ..."). */
export function createWarnings(hc: HostConfig): string[] {
  const out: string[] = [];
  if (hc.OomKillDisable && !hc.Memory)
    out.push(
      'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
    );
  if (hc.NetworkMode === 'host' && Object.keys(hc.PortBindings ?? {}).length)
    out.push('Published ports are discarded when using host network mode');
  return out;
}

/** The daemon's create-time checks of the options that shape namespaces, resources and logs. */
function checkHostOptions(opts: CreateOptions): void {
  const mem = opts.memory ?? 0;
  const reservation = opts.memoryReservation ?? 0;
  if (reservation > 0 && reservation < 6 * 1024 * 1024)
    throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && reservation > 0 && mem < reservation)
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (opts.cpusetCpus) checkCpuset(opts.cpusetCpus);
  for (const r of opts.deviceCgroupRules ?? []) parseDeviceCgroupRule(r);
  if (opts.isolation && opts.isolation !== 'default')
    throw invalidArgument(`Invalid isolation: "${opts.isolation}" - linux only supports 'default'`);
  const adj = opts.oomScoreAdj ?? 0;
  if (adj < -1000 || adj > 1000)
    throw invalidArgument(`Invalid value ${adj}, range for oom score adj is [-1000, 1000]`);
  const joins = opts.networkMode.startsWith('container:');
  // runconfig's validateNetContainerMode, in its order: what another container's network decides is not the container's
  if (joins && opts.hostname) throw invalidArgument('conflicting options: hostname and the network mode');
  if (opts.utsMode === 'host' && opts.hostname) throw invalidArgument('conflicting options: hostname and the UTS mode');
  const links = [...(opts.links ?? []), ...(opts.endpoint?.links ?? [])];
  if (links.length && joins)
    throw invalidArgument(
      "conflicting options: container type network can't be used with links. This would result in undefined behavior",
    );
  if (joins && opts.dns?.length) throw invalidArgument('conflicting options: dns and the network mode');
  if (joins && opts.extraHosts?.length)
    throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
  if ((joins || opts.networkMode === 'host') && opts.macAddress)
    throw invalidArgument('conflicting options: mac-address and the network mode');
  if (joins && (Object.keys(opts.portBindings).length || opts.publishAll))
    throw invalidArgument('conflicting options: port publishing and the container type network mode');
  if (joins && Object.keys(opts.exposedPorts).length)
    throw invalidArgument('conflicting options: port exposing and the container type network mode');
  if (links.length && opts.networkMode === 'host')
    throw invalidArgument(
      "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    );
  if (opts.endpoint?.aliases?.length && !isUserDefinedNetwork(opts.networkMode))
    throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  const ip = opts.endpoint?.ipv4Address;
  if (ip && !isIPv4(ip)) throw invalidArgument(`invalid IPv4 address: ${ip}`);
  // (the default bridge refuses it when the start attaches it; these modes have no endpoint to refuse it then)
  const ip6 = opts.endpoint?.ipv6Address;
  if (ip6 && !isIPv6(ip6)) throw invalidArgument(`invalid IPv6 address: ${ip6}`);
  if ((ip || ip6) && /^(host|none|container:)/.test(opts.networkMode))
    throw invalidArgument('user specified IP address is supported on user defined networks only');
}

/** Every name the container's /etc files will hold (its peers' too): checked before anything is recorded. */
function checkNames(opts: CreateOptions): void {
  if (opts.hostname) checkHostname(opts.hostname);
  for (const h of opts.extraHosts ?? [])
    checkHostsName(h.includes(':') ? h.slice(0, h.indexOf(':')) : h, 'host name in add-host');
  for (const d of opts.dnsSearch ?? []) if (d !== '.') checkResolvWord(d, 'DNS search domain');
  for (const o of opts.dnsOptions ?? []) checkResolvWord(o, 'DNS option');
  for (const d of opts.dns ?? []) checkResolvWord(d, 'DNS server');
  // aliases and link aliases go into peers' /etc/hosts
  for (const e of [opts.endpoint, ...Object.values(opts.extraNetworks ?? {})]) {
    for (const a of e?.aliases ?? []) checkHostsName(a, 'network alias');
    for (const l of e?.links ?? []) if (l.includes(':')) checkHostsName(l.slice(l.indexOf(':') + 1), 'link alias');
  }
  for (const l of opts.links ?? []) if (l.includes(':')) checkHostsName(l.slice(l.indexOf(':') + 1), 'link alias');
}

/** Env with later KEY=VALUE entries replacing earlier ones of the same key, order kept. */
export function mergeEnv(base: string[], extra: string[]): string[] {
  const out = [...base];
  for (const e of extra) {
    const key = e.split('=')[0];
    const i = out.findIndex((x) => x.split('=')[0] === key);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

export function buildRecord(opts: CreateOptions, image: Image, imageId: Digest): ContainerRecord {
  const ic = image.config.config ?? {};
  for (const o of opts.securityOpt) {
    if (!/^no-new-privileges(:true|:false|=true|=false)?$/.test(o) && !/^(seccomp|apparmor|label)[=:]/.test(o)) {
      throw invalidArgument(`Invalid --security-opt: "${o}"`);
    }
  }
  const profile = seccompOption(opts.securityOpt);
  if (profile !== undefined && profile !== 'unconfined') seccompFromProfile(profile, []); // a bad profile fails create, not start
  if (opts.restartPolicy) validateRestartPolicy(opts.restartPolicy);
  checkHostOptions(opts);
  const logConfig = logConfigOf(opts.logDriver, opts.logOpts);
  const healthcheck = mergeHealthcheck(opts.healthcheck, ic.Healthcheck as HealthConfig | undefined);
  validateHealthcheck(healthcheck);
  checkUsernsMode(opts.usernsMode ?? '');
  // keep-id runs as the user unless --user says otherwise (podman)
  const keep = opts.usernsMode === 'keep-id' ? keepIdOfThisUser() : undefined;
  if (opts.stopSignal && !isSignal(opts.stopSignal)) throw invalidArgument(`Invalid signal: ${opts.stopSignal}`);
  checkNames(opts);
  const argv = containerArgs(ic, opts.cmd.length ? opts.cmd : undefined, opts.entrypoint); // throws "no command specified"
  const id = randomId();
  const entrypoint =
    opts.entrypoint === undefined ? (ic.Entrypoint ?? null) : opts.entrypoint === '' ? null : [opts.entrypoint];
  const cmd = opts.cmd.length ? opts.cmd : opts.entrypoint !== undefined ? null : (ic.Cmd ?? null);
  const hostConfig: HostConfig = {
    Binds: opts.binds.length ? opts.binds : null,
    NetworkMode: opts.networkMode,
    PortBindings: opts.portBindings,
    AutoRemove: opts.autoRemove,
    Privileged: opts.privileged,
    PublishAllPorts: opts.publishAll,
    ReadonlyRootfs: opts.readOnly,
    CapAdd: opts.capAdd.length ? opts.capAdd : null,
    CapDrop: opts.capDrop.length ? opts.capDrop : null,
    SecurityOpt: opts.securityOpt.length ? opts.securityOpt : null,
    Memory: opts.memory,
    MemorySwap: opts.memorySwap ?? 0,
    NanoCpus: Math.round(opts.cpus * 1e9),
    PidsLimit: opts.pidsLimit ?? null,
    Init: opts.init ? true : null,
    Runtime: opts.runtime,
    ShmSize: opts.shmSize ?? 64 * 1024 * 1024,
    RestartPolicy: opts.restartPolicy ?? NO_RESTART,
    ExtraHosts: opts.extraHosts?.length ? opts.extraHosts : null,
    Dns: opts.dns ?? [],
    DnsSearch: opts.dnsSearch ?? [],
    DnsOptions: opts.dnsOptions ?? [],
    Ulimits: opts.ulimits?.length ? opts.ulimits : null,
    ContainerIDFile: opts.containerIdFile ?? '',
    LogConfig: { ...logConfig, Config: sortedKeys(logConfig.Config) },
    VolumesFrom: opts.volumesFrom?.length ? opts.volumesFrom : null,
    GroupAdd: opts.groupAdd?.length ? opts.groupAdd : null,
    IpcMode: opts.ipcMode || 'private', // Docker's default-ipc-mode
    PidMode: opts.pidMode ?? '',
    UTSMode: opts.utsMode ?? '',
    UsernsMode: opts.usernsMode ?? '',
    CpuShares: opts.cpuShares ?? 0,
    CpusetCpus: opts.cpusetCpus ?? '',
    MemoryReservation: opts.memoryReservation ?? 0,
    OomKillDisable: opts.oomKillDisable ?? false,
    OomScoreAdj: opts.oomScoreAdj ?? 0,
    Devices: opts.devices ?? [],
    ...(opts.deviceCgroupRules?.length ? { DeviceCgroupRules: opts.deviceCgroupRules } : {}),
    ...(opts.isolation ? { Isolation: opts.isolation } : {}),
    ...(opts.tmpfs && Object.keys(opts.tmpfs).length ? { Tmpfs: opts.tmpfs } : {}),
    ...(opts.sysctls && Object.keys(opts.sysctls).length ? { Sysctls: sortedKeys(opts.sysctls) } : {}),
  };
  const exposed = { ...(ic.ExposedPorts ?? {}), ...opts.exposedPorts };
  for (const k of Object.keys(opts.portBindings)) exposed[k] = {};
  const volumes = { ...(ic.Volumes ?? {}) };
  return {
    id,
    name: '',
    created: nowGoTime(),
    path: argv[0],
    args: argv.slice(1),
    imageId,
    imageRef: opts.image,
    topLayer: null,
    config: {
      // the host's name on its network, else the short ID (Docker's newContainer)
      Hostname: opts.hostname || (opts.networkMode === 'host' ? os.hostname() : id.slice(0, 12)),
      Domainname: '',
      User: opts.user ?? (keep ? `${keep.uid}:${keep.gid}` : (ic.User ?? '')),
      AttachStdin: opts.interactive,
      AttachStdout: true,
      AttachStderr: true,
      ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
      Tty: opts.tty,
      OpenStdin: opts.interactive,
      StdinOnce: opts.interactive,
      // a bare KEY stays as given (Docker keeps it); the process gets only KEY=VALUE ones
      Env: mergeEnv(ic.Env ?? [], opts.env),
      Cmd: cmd,
      Healthcheck: healthcheck,
      Image: opts.image,
      Volumes: Object.keys(volumes).length ? volumes : null,
      WorkingDir: opts.workdir ?? ic.WorkingDir ?? '',
      Entrypoint: entrypoint,
      OnBuild: ic.OnBuild ?? null,
      Labels: { ...(ic.Labels ?? {}), ...opts.labels },
      StopSignal: opts.stopSignal ?? ic.StopSignal,
      StopTimeout: opts.stopTimeout,
      ...(opts.macAddress ? { MacAddress: opts.macAddress } : {}),
      ...(opts.shell?.length ? { Shell: opts.shell } : {}),
    },
    hostConfig,
    entrypointFlag: opts.entrypoint,
    cmdArgs: opts.cmd,
    mounts: opts.mounts,
    envFlags: opts.env,
    // the --network one; `network connect` adds more (host, none and container: have no endpoint)
    networks: /^(host|none|container:)/.test(opts.networkMode)
      ? {}
      : {
          [opts.networkMode === 'default' ? 'bridge' : opts.networkMode]: attachmentOf(opts.endpoint),
          ...Object.fromEntries(Object.entries(opts.extraNetworks ?? {}).map(([n, e]) => [n, attachmentOf(e)])),
        },
  };
}
