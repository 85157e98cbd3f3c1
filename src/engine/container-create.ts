// From `docker create` / `docker run` options to a container record: the image's
// config merged with the flags exactly as Docker merges them.
import type { Digest } from '../digest';
import { randomId } from '../digest';
import { invalidArgument } from '../errdefs';
import { nowGoTime } from '../image/config-json';
import type { Image } from '../image/store';
import { seccompFromProfile, seccompOption } from '../runtime/seccomp';
import { containerArgs } from '../runtime/spec';
import { isSignal } from '../runtime/signal';
import type { Ulimit } from '../container/host-options';
import { NO_RESTART, validateRestartPolicy, type RestartPolicy } from '../container/restart-policy';
import { checkHostname, checkHostsName, checkResolvWord } from '../network/host-names';
import type { ContainerRecord, HostConfig, MountPoint, PortBindings } from '../container/types';

export interface CreateOptions {
  image: string;
  cmd: string[];
  name?: string;
  entrypoint?: string;
  env: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
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
}

/** Every name the container's /etc files will hold (its peers' too): checked before anything is recorded. */
function checkNames(opts: CreateOptions): void {
  if (opts.hostname) checkHostname(opts.hostname);
  for (const h of opts.extraHosts ?? []) checkHostsName(h.includes(':') ? h.slice(0, h.indexOf(':')) : h, 'host name in add-host');
  for (const d of opts.dnsSearch ?? []) if (d !== '.') checkResolvWord(d, 'DNS search domain');
  for (const o of opts.dnsOptions ?? []) checkResolvWord(o, 'DNS option');
  for (const d of opts.dns ?? []) checkResolvWord(d, 'DNS server');
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
  if (opts.stopSignal && !isSignal(opts.stopSignal)) throw invalidArgument(`Invalid signal: ${opts.stopSignal}`);
  checkNames(opts);
  const argv = containerArgs(ic, opts.cmd.length ? opts.cmd : undefined, opts.entrypoint); // throws "no command specified"
  const id = randomId();
  const entrypoint = opts.entrypoint === undefined ? (ic.Entrypoint ?? null) : opts.entrypoint === '' ? null : [opts.entrypoint];
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
      Hostname: opts.hostname || id.slice(0, 12),
      Domainname: '',
      User: opts.user ?? ic.User ?? '',
      AttachStdin: opts.interactive,
      AttachStdout: true,
      AttachStderr: true,
      ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
      Tty: opts.tty,
      OpenStdin: opts.interactive,
      StdinOnce: opts.interactive,
      Env: mergeEnv(ic.Env ?? [], opts.env.filter((e) => e.includes('='))),
      Cmd: cmd,
      Image: opts.image,
      Volumes: Object.keys(volumes).length ? volumes : null,
      WorkingDir: opts.workdir ?? ic.WorkingDir ?? '',
      Entrypoint: entrypoint,
      OnBuild: ic.OnBuild ?? null,
      Labels: { ...(ic.Labels ?? {}), ...opts.labels },
      StopSignal: opts.stopSignal ?? ic.StopSignal,
      StopTimeout: opts.stopTimeout,
    },
    hostConfig,
    entrypointFlag: opts.entrypoint,
    cmdArgs: opts.cmd,
    mounts: opts.mounts,
    envFlags: opts.env,
    // the --network one; `network connect` adds more (host, none and container: have no endpoint)
    networks: /^(host|none|container:)/.test(opts.networkMode) ? {} : { [opts.networkMode === 'default' ? 'bridge' : opts.networkMode]: { aliases: [] } },
  };
}
