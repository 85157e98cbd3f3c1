// A container's OCI runtime spec: its record (the image config merged with the
// flags) turned into runc's config.json with Docker's defaults.
import fs from 'node:fs';
import type { Container } from '../container/store';
import { invalidArgument } from '../errdefs';
import { buildSpec, type MountSpec, type OciSpec, type SpecInput } from '../runtime/spec';
import { additionalGroups } from '../runtime/user';
import { parseDeviceCgroupRule, resolveDevices } from '../container/devices';
import { checkIpcMode } from '../container/namespace-modes';
import { logRotation } from '../container/log-config';
import { isRootless } from '../rootless/identity';
import { rootlessSpec } from '../rootless/spec';
import { rootlessCgroupsPath } from '../rootless/cgroups';
import { keepIdHome, keepIdSpec, type KeepId } from '../rootless/keep-id';

/** What a start works out from other containers and the host: shared namespaces, /dev/shm, legacy links' variables. */
export interface StartContext {
  shareNamespaces?: SpecInput['shareNamespaces'];
  shm?: SpecInput['shm'];
  linkEnv?: string[];
  /** --network container:X: X, whose hostname and /etc files (in its directory) the container takes, as Docker */
  networkDonor?: { dir: string; hostname: string; domainname?: string };
}

export function containerSpec(
  c: Container,
  rootfs: string,
  mounts: MountSpec[],
  netns: string | undefined,
  ctx: StartContext = {},
  keepId?: KeepId,
  userns?: string,
): OciSpec {
  const { record } = c;
  const hc = record.hostConfig;
  const devices = hc.Devices?.length && !hc.Privileged ? resolveDevices(hc.Devices) : undefined;
  checkIpcMode(hc.IpcMode ?? 'private');
  logRotation(hc.LogConfig); // a bad max-size or max-file fails the start, as Docker's logger does
  const spec = buildSpec({
    id: record.id,
    rootfs,
    image: { ...record.config, Env: [] },
    cmd: [record.path, ...record.args],
    entrypoint: '',
    // legacy links' variables come before the container's own (Docker's CreateDaemonEnvironment)
    env: [...(ctx.linkEnv ?? []), ...(record.config.Env ?? [])],
    hostEnv: {}, // a bare KEY in Config.Env unsets KEY, as in Docker (the CLI resolved its own already)
    workdir: record.config.WorkingDir || undefined,
    user: record.config.User || undefined,
    hostname: record.config.Hostname,
    tty: record.config.Tty,
    readOnly: record.hostConfig.ReadonlyRootfs,
    privileged: record.hostConfig.Privileged,
    capAdd: record.hostConfig.CapAdd ?? [],
    capDrop: record.hostConfig.CapDrop ?? [],
    noNewPrivileges: (record.hostConfig.SecurityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
    securityOpt: record.hostConfig.SecurityOpt ?? [],
    memory: record.hostConfig.Memory || undefined,
    memorySwap: record.hostConfig.MemorySwap || undefined,
    cpus: record.hostConfig.NanoCpus ? record.hostConfig.NanoCpus / 1e9 : undefined,
    pidsLimit: record.hostConfig.PidsLimit ?? undefined,
    ulimits: record.hostConfig.Ulimits ?? undefined,
    init: record.hostConfig.Init ? initBinary() : undefined,
    mounts,
    netns,
    joinsNetns: hc.NetworkMode.startsWith('container:'),
    labels: record.config.Labels ?? undefined,
    shmSize: record.hostConfig.ShmSize,
    cgroupsPath: cgroupsPathOf(record.id),
    sysctls: hc.Sysctls,
    devices: devices?.devices,
    deviceRules: [
      ...(devices?.rules ?? []),
      ...(hc.Privileged ? [] : (hc.DeviceCgroupRules ?? []).map(parseDeviceCgroupRule)),
    ],
    shareNamespaces: ctx.shareNamespaces,
    shm: ctx.shm,
    extraGids: hc.GroupAdd?.length ? additionalGroups(rootfs, hc.GroupAdd) : undefined,
    cpuShares: hc.CpuShares || undefined,
    cpusetCpus: hc.CpusetCpus || undefined,
    memoryReservation: hc.MemoryReservation || undefined,
    oomKillDisable: hc.OomKillDisable || undefined,
    oomScoreAdj: hc.OomScoreAdj || undefined,
  });
  if (!isRootless()) return spec;
  const rootless = rootlessSpec(spec, { cgroupsPath: rootlessCgroupsPath(record.id) });
  if (!keepId) return rootless;
  // HOME is the user's (podman), unless the container's environment sets it
  const home = keepIdHome();
  const ownHome = (record.config.Env ?? []).some((e) => e.startsWith('HOME='));
  const env =
    home && !ownHome
      ? [...rootless.process.env.filter((e) => !e.startsWith('HOME=')), `HOME=${home}`]
      : rootless.process.env;
  return keepIdSpec({ ...rootless, process: { ...rootless.process, env } }, keepId, userns);
}

/** The container's cgroup, under every controller (v1) or the unified tree (v2). */
export const cgroupsPathOf = (id: string) => `/stowage/${id}`;

/** Debian's tini or catatonit, bind-mounted as the container's init with --init. */
function initBinary(): string {
  for (const p of ['/usr/bin/tini-static', '/usr/bin/tini', '/usr/libexec/podman/catatonit', '/usr/bin/catatonit']) {
    if (fs.existsSync(p)) return p;
  }
  throw invalidArgument('--init needs tini or catatonit (apt-get install tini)');
}
