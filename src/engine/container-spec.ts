// A container's OCI runtime spec: its record (the image config merged with the
// flags) turned into runc's config.json with Docker's defaults.
import fs from 'node:fs';
import type { Container } from '../container/store';
import { invalidArgument } from '../errdefs';
import { buildSpec, type MountSpec, type OciSpec } from '../runtime/spec';
import { isRootless } from '../rootless/identity';
import { rootlessSpec } from '../rootless/spec';
import { rootlessCgroupsPath } from '../rootless/cgroups';
import { keepIdHome, keepIdSpec, type KeepId } from '../rootless/keep-id';

export function containerSpec(c: Container, rootfs: string, mounts: MountSpec[], netns: string | undefined, keepId?: KeepId): OciSpec {
  const { record } = c;
  const spec = buildSpec({
    id: record.id,
    rootfs,
    image: { ...record.config, Env: [] },
    cmd: [record.path, ...record.args],
    entrypoint: '',
    env: record.config.Env ?? [],
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
    labels: record.config.Labels ?? undefined,
    shmSize: record.hostConfig.ShmSize,
    cgroupsPath: cgroupsPathOf(record.id),
  });
  if (!isRootless()) return spec;
  const rootless = rootlessSpec(spec, { cgroupsPath: rootlessCgroupsPath(record.id) });
  if (!keepId) return rootless;
  // HOME is the user's (podman), unless the container's environment sets it
  const home = keepIdHome();
  const ownHome = (record.config.Env ?? []).some((e) => e.startsWith('HOME='));
  const env = home && !ownHome ? [...rootless.process.env.filter((e) => !e.startsWith('HOME=')), `HOME=${home}`] : rootless.process.env;
  return keepIdSpec({ ...rootless, process: { ...rootless.process, env } }, keepId);
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

