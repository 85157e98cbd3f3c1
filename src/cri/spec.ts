// OCI runtime specs of a pod's processes, as containerd's CRI plugin builds them
// (pkg/cri/server/sandbox_run_linux.go, container_create_linux.go), made from
// the Docker-style spec of runtime/spec.ts: its mounts, capabilities, devices,
// seccomp and user resolution, with the pod's namespaces, files and limits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument } from '../errdefs';
import type { ContainerConfig as ImageRunConfig } from '../oci/types';
import { buildSpec, type MountSpec, type OciSpec } from '../runtime/spec';
import { unknown } from './status';
import type { SandboxFiles } from './sandbox-files';
import type { SandboxRecord } from './store';
import type {
  ContainerConfig,
  Device,
  LinuxContainerResources,
  LinuxContainerSecurityContext,
  Mount,
  SecurityProfile,
} from './types';

/** What a spec is for: labels kept as annotations, as containerd's. */
export const ANNOTATION_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';
export const ANNOTATION_SANDBOX_ID = 'io.kubernetes.cri.sandbox-id';

/** This process's oom_score_adj: without CAP_SYS_RESOURCE a child cannot go lower (restrict_oom_score_adj). */
function ownOomScoreAdj(): number {
  try {
    return Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim()) || 0;
  } catch {
    // no procfs: assume the default adjustment
    return 0;
  }
}

function hasCapability(cap: number): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(cap)) & 1n) === 1n;
  } catch {
    // no procfs: assume the capability is missing
    return false;
  }
}

const CAP_SYS_RESOURCE = 24;

/** An oom_score_adj this process may give: not below its own unless it may lower it. */
export function oomScoreAdj(wanted: number): number {
  const clamped = Math.max(-1000, Math.min(1000, wanted));
  return hasCapability(CAP_SYS_RESOURCE) ? clamped : Math.max(clamped, ownOomScoreAdj());
}

/**
 * The seccomp choice of a security context as a --security-opt value: none
 * (the runtime's default filter), "unconfined", or a profile's JSON text.
 * CRI's default (no profile named) is unconfined; "runtime/default" and
 * "docker/default" are the default filter; "localhost/<path>" a profile file.
 */
export function seccompOpt(profile: SecurityProfile | null | undefined, legacyPath: string): string[] {
  if (profile) {
    if (profile.profile_type === 'Unconfined') return ['seccomp=unconfined'];
    if (profile.profile_type === 'RuntimeDefault') return [];
    return [`seccomp=${readProfile(profile.localhost_ref)}`];
  }
  const p = legacyPath;
  if (p === '' || p === 'unconfined') return ['seccomp=unconfined'];
  if (p === 'runtime/default' || p === 'docker/default') return [];
  if (p.startsWith('localhost/')) return [`seccomp=${readProfile(p.slice('localhost/'.length))}`];
  throw unknown(`failed to generate seccomp spec opts: unknown seccomp profile option: ${JSON.stringify(p)}`);
}

function readProfile(file: string): string {
  if (!path.isAbsolute(file))
    throw unknown(
      `failed to generate seccomp spec opts: seccomp profile path must be absolute: ${JSON.stringify(file)}`,
    );
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw unknown(
      `failed to generate seccomp spec opts: cannot load seccomp profile ${JSON.stringify(file)}: ${(e as Error).message}`,
    );
  }
}

/** The user a security context asks for, as "user[:group]" (containerd's generateUserString). */
export function userString(
  sc: Pick<LinuxContainerSecurityContext, 'run_as_user' | 'run_as_group' | 'run_as_username'> | null | undefined,
): string {
  let user = '';
  if (sc?.run_as_user) user = sc.run_as_user.value; // (int64 as a string: proto.ts loads longs so)
  if (sc?.run_as_username) user = sc.run_as_username;
  const group = sc?.run_as_group ? sc.run_as_group.value : '';
  if (!user) {
    if (group) throw unknown(`failed to generate user string: user group "${group}" is specified without user`);
    return '';
  }
  return group ? `${user}:${group}` : user;
}

/** argv with Kubernetes' rules: command replaces the entrypoint (and the image's Cmd), args replace Cmd. */
export function processArgs(config: Pick<ContainerConfig, 'command' | 'args'>, image: ImageRunConfig): string[] {
  let command = config.command;
  let args = config.args;
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const ep = image.Entrypoint ?? [];
    if (!(ep.length === 1 && ep[0] === '')) command = [...ep];
  }
  const argv = [...command, ...args];
  if (argv.length === 0) throw unknown('failed to generate container spec: no command specified');
  return argv;
}

/** cgroup limits from CRI resources (cgroup v1 names: shares, quota, period, memory, cpusets, hugepages). */
export function linuxResources(r: LinuxContainerResources | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!r) return out;
  const n = (s: string) => Number(s);
  const cpu: Record<string, unknown> = {};
  if (n(r.cpu_shares) > 0) cpu.shares = n(r.cpu_shares);
  if (n(r.cpu_quota) !== 0) cpu.quota = n(r.cpu_quota);
  if (n(r.cpu_period) > 0) cpu.period = n(r.cpu_period);
  if (r.cpuset_cpus) cpu.cpus = r.cpuset_cpus;
  if (r.cpuset_mems) cpu.mems = r.cpuset_mems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  const memory: Record<string, unknown> = {};
  if (n(r.memory_limit_in_bytes) > 0) memory.limit = n(r.memory_limit_in_bytes);
  if (n(r.memory_swap_limit_in_bytes) > 0) memory.swap = n(r.memory_swap_limit_in_bytes);
  if (Object.keys(memory).length) out.memory = memory;
  if (r.hugepage_limits.length)
    out.hugepageLimits = r.hugepage_limits.map((h) => ({ pageSize: h.page_size, limit: n(h.limit) }));
  if (Object.keys(r.unified).length && fs.existsSync('/sys/fs/cgroup/cgroup.controllers'))
    out.unified = { ...r.unified };
  return out;
}

const nsPath = (pid: number, type: string) => `/proc/${pid}/ns/${type}`;

/** The bind mount of a CRI Mount, and the root propagation it needs (containerd's addOCIBindMounts). */
export function bindMount(m: Mount): { mount: MountSpec; rootPropagation?: 'rshared' | 'rslave' } {
  if (!path.isAbsolute(m.container_path))
    throw invalidArgument(`mount destination ${JSON.stringify(m.container_path)} is not an absolute path`);
  let src = m.host_path;
  if (!path.isAbsolute(src)) throw invalidArgument(`mount source ${JSON.stringify(src)} is not an absolute path`);
  // a missing host path becomes a directory, and a link is followed, as containerd does
  if (!fs.existsSync(src)) fs.mkdirSync(src, { recursive: true, mode: 0o755 });
  src = fs.realpathSync(src);
  const options = ['rbind'];
  let rootPropagation: 'rshared' | 'rslave' | undefined;
  switch (m.propagation) {
    case 'PROPAGATION_BIDIRECTIONAL':
      options.push('rshared');
      rootPropagation = 'rshared';
      break;
    case 'PROPAGATION_HOST_TO_CONTAINER':
      options.push('rslave');
      rootPropagation = 'rslave';
      break;
    default:
      options.push('rprivate');
  }
  options.push(m.readonly ? 'ro' : 'rw');
  return { mount: { destination: m.container_path, type: 'bind', source: src, options }, rootPropagation };
}

function deviceOf(d: Device) {
  const st = fs.statSync(d.host_path);
  const type: 'c' | 'b' | undefined = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) throw invalidArgument(`${d.host_path} is not a device`);
  const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
  const access = d.permissions || 'rwm';
  return {
    device: { path: d.container_path || d.host_path, type, major, minor, fileMode: st.mode & 0o777, uid: 0, gid: 0 },
    rule: { allow: true, type, major, minor, access },
  };
}

const filesMounts = (files: SandboxFiles, hostIpc: boolean, readonly: boolean, taken: Set<string>): MountSpec[] => {
  const bind = (destination: string, source: string, ro: boolean): MountSpec => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', ro ? 'ro' : 'rw'],
  });
  const out: MountSpec[] = [];
  if (!taken.has('/etc/hostname')) out.push(bind('/etc/hostname', files.hostname, readonly));
  if (!taken.has('/etc/hosts')) out.push(bind('/etc/hosts', files.hosts, readonly));
  if (!taken.has('/etc/resolv.conf')) out.push(bind('/etc/resolv.conf', files.resolvConf, readonly));
  if (!taken.has('/dev/shm')) out.push(bind('/dev/shm', hostIpc ? '/dev/shm' : files.shm, false));
  return out;
};

export interface ContainerSpecInput {
  id: string;
  sandbox: SandboxRecord;
  /** the pause process: its namespaces are joined */
  sandboxPid: number;
  files: SandboxFiles;
  config: ContainerConfig;
  image: ImageRunConfig;
  rootfs: string;
}

/** The spec of a container in a pod. */
export function containerSpec(input: ContainerSpecInput): OciSpec {
  const { config, sandbox } = input;
  const sc = config.linux?.security_context ?? null;
  const privileged = !!sc?.privileged;
  if (privileged && !sandbox.config.linux?.security_context?.privileged) {
    throw unknown('no privileged container allowed in sandbox');
  }
  const pidMode = sc?.namespace_options?.pid ?? 'CONTAINER';
  const user = userString(sc);
  const bound = config.mounts.map(bindMount);
  const taken = new Set(config.mounts.map((m) => path.posix.normalize(m.container_path)));
  const mounts = [
    ...bound.map((b) => b.mount),
    ...filesMounts(input.files, sandbox.hostIpc, !!sc?.readonly_rootfs, taken),
  ];
  const spec = buildSpec({
    id: input.id,
    rootfs: input.rootfs,
    image: { ...input.image, Entrypoint: processArgs(config, input.image), Cmd: [] },
    env: config.envs.map((e) => `${e.key}=${e.value}`),
    workdir: config.working_dir || undefined,
    user: user || undefined,
    hostname: sandbox.hostname,
    tty: config.tty,
    readOnly: !!sc?.readonly_rootfs,
    privileged,
    capAdd: sc?.capabilities?.add_capabilities,
    capDrop: sc?.capabilities?.drop_capabilities,
    noNewPrivileges: !!sc?.no_new_privs,
    securityOpt: privileged ? [] : seccompOpt(sc?.seccomp, sc?.seccomp_profile_path ?? ''),
    mounts,
    netns: sandbox.hostNetwork ? 'host' : sandbox.netnsPath,
    cgroupsPath: path.posix.join(sandbox.cgroupParent, input.id),
  });
  const gids = spec.process.user.additionalGids ?? [];
  for (const g of sc?.supplemental_groups ?? []) if (!gids.includes(Number(g))) gids.push(Number(g));
  spec.process.user.additionalGids = gids;
  spec.process.oomScoreAdj = oomScoreAdj(Number(config.linux?.resources?.oom_score_adj ?? 0));
  delete spec.hostname; // the pod's UTS namespace already has its name
  const ns: OciSpec['linux']['namespaces'] = [{ type: 'mount' }];
  if (!sandbox.hostNetwork)
    ns.push({ type: 'network', path: sandbox.netnsPath }, { type: 'uts', path: nsPath(input.sandboxPid, 'uts') });
  if (!sandbox.hostIpc) ns.push({ type: 'ipc', path: nsPath(input.sandboxPid, 'ipc') });
  // POD: the pause process's PID namespace (the host's when the pod has the host's); NODE: the host's
  if (pidMode === 'POD') {
    if (!sandbox.hostPid) ns.push({ type: 'pid', path: nsPath(input.sandboxPid, 'pid') });
  } else if (pidMode !== 'NODE') ns.push({ type: 'pid' });
  spec.linux.namespaces = ns;
  spec.linux.sysctl = { ...(sandbox.config.linux?.sysctls ?? {}) };
  finishLinux(
    spec,
    privileged,
    sc,
    config.linux?.resources ?? null,
    bound.map((b) => b.rootPropagation),
  );
  for (const d of config.devices) {
    const { device, rule } = deviceOf(d);
    spec.linux.devices.push(device);
    spec.linux.resources.devices.push(rule);
  }
  spec.annotations = {
    ...config.annotations,
    [ANNOTATION_CONTAINER_TYPE]: 'container',
    [ANNOTATION_SANDBOX_ID]: sandbox.id,
  };
  return spec;
}

/** Masked and read-only paths as the request lists them, limits, root propagation. */
function finishLinux(
  spec: OciSpec,
  privileged: boolean,
  sc: Pick<LinuxContainerSecurityContext, 'masked_paths' | 'readonly_paths'> | null,
  resources: LinuxContainerResources | null,
  propagations: Array<'rshared' | 'rslave' | undefined>,
): void {
  // containerd leaves only what the kubelet sends (it sends the defaults)
  if (privileged) {
    delete spec.linux.maskedPaths;
    delete spec.linux.readonlyPaths;
  } else {
    spec.linux.maskedPaths = [...(sc?.masked_paths ?? [])];
    spec.linux.readonlyPaths = [...(sc?.readonly_paths ?? [])];
  }
  Object.assign(spec.linux.resources, linuxResources(resources));
  const linux = spec.linux as OciSpec['linux'] & { rootfsPropagation?: string };
  if (propagations.includes('rshared')) linux.rootfsPropagation = 'rshared';
  else if (propagations.includes('rslave')) linux.rootfsPropagation = 'rslave';
}

export interface SandboxSpecInput {
  sandbox: SandboxRecord;
  rootfs: string;
  /** the sandbox image's config; undefined: the host's pause binary, bound into the root */
  image?: ImageRunConfig;
  pauseCommand: string[];
}

/** The spec of a pod's pause process: it holds the pod's namespaces. */
export function sandboxSpec(input: SandboxSpecInput): OciSpec {
  const { sandbox } = input;
  const sc = sandbox.config.linux?.security_context ?? null;
  const privileged = !!sc?.privileged;
  const mounts: MountSpec[] = [];
  let image: ImageRunConfig;
  if (input.image) {
    image = input.image;
  } else {
    const [bin, ...args] = input.pauseCommand;
    mounts.push({ destination: '/pause', type: 'bind', source: bin, options: ['rbind', 'ro'] });
    image = { Entrypoint: ['/pause', ...args], User: '65535:65535' };
  }
  const user = userString({
    run_as_user: sc?.run_as_user ?? null,
    run_as_group: sc?.run_as_group ?? null,
    run_as_username: '',
  });
  const spec = buildSpec({
    id: sandbox.id,
    rootfs: input.rootfs,
    image,
    user: user || undefined,
    hostname: sandbox.hostNetwork ? os.hostname() : sandbox.hostname,
    readOnly: input.image ? !!sc?.readonly_rootfs : true,
    privileged,
    noNewPrivileges: true,
    securityOpt: privileged ? [] : seccompOpt(sc?.seccomp, sc?.seccomp_profile_path ?? ''),
    mounts,
    netns: sandbox.hostNetwork ? 'host' : sandbox.netnsPath,
    cgroupsPath: path.posix.join(sandbox.cgroupParent, sandbox.id),
  });
  const gids = spec.process.user.additionalGids ?? [];
  for (const g of sc?.supplemental_groups ?? []) if (!gids.includes(Number(g))) gids.push(Number(g));
  spec.process.user.additionalGids = gids;
  spec.process.oomScoreAdj = oomScoreAdj(-998);
  const ns: OciSpec['linux']['namespaces'] = [{ type: 'mount' }];
  if (!sandbox.hostNetwork) ns.push({ type: 'network', path: sandbox.netnsPath }, { type: 'uts' });
  else delete spec.hostname;
  if (!sandbox.hostIpc) ns.push({ type: 'ipc' });
  if (!sandbox.hostPid) ns.push({ type: 'pid' });
  spec.linux.namespaces = ns;
  spec.linux.sysctl = { ...(sandbox.config.linux?.sysctls ?? {}) };
  // the pause process reads nothing: no paths to mask; the least CPU weight, as containerd gives it
  delete spec.linux.maskedPaths;
  delete spec.linux.readonlyPaths;
  (spec.linux.resources as Record<string, unknown>).cpu = { shares: 2 };
  spec.annotations = {
    ...sandbox.config.annotations,
    [ANNOTATION_CONTAINER_TYPE]: 'sandbox',
    [ANNOTATION_SANDBOX_ID]: sandbox.id,
  };
  return spec;
}
