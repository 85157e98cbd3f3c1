// A container's OCI spec for runc run by an ordinary user (rootless), from the
// one root gets: runc itself runs as root of the user's namespace, so the
// container needs no user namespace of its own (podman's default), but what
// only the host's root may do is left out or done another way.
import fs from 'node:fs';
import type { OciSpec } from '../runtime/spec';
import { mappedCount, parseIdMap } from './subids';

export interface RootlessSpecOptions {
  /** the cgroup to put the container in when the host delegates one to the user; none otherwise */
  cgroupsPath?: string;
  /** how many group IDs the namespace maps (0 .. n-1) */
  mappedGids?: number;
}

/** Group IDs mapped in this process's namespace. */
export function mappedGids(): number {
  try {
    return mappedCount(parseIdMap(fs.readFileSync('/proc/self/gid_map', 'utf8')));
  } catch {
    // no gid_map (not in a user namespace): one group mapped
    return 1;
  }
}

export function rootlessSpec(spec: OciSpec, opts: RootlessSpecOptions = {}): OciSpec {
  const out: OciSpec = {
    ...spec,
    process: { ...spec.process },
    linux: { ...spec.linux, sysctl: { ...spec.linux.sysctl } },
  };
  // runc skips a cgroup it may not create only when no path was asked for
  if (opts.cgroupsPath) out.linux.cgroupsPath = opts.cgroupsPath;
  else delete (out.linux as Partial<OciSpec['linux']>).cgroupsPath;
  // lowering oom_score_adj below the caller's takes the host's CAP_SYS_RESOURCE; leaving it is Docker's 0 for a shell at 0
  delete out.process.oomScoreAdj;
  // the kernel takes only groups mapped in the namespace
  const range = out.linux.sysctl['net.ipv4.ping_group_range'];
  if (range === '0 2147483647')
    out.linux.sysctl['net.ipv4.ping_group_range'] = `0 ${Math.max(0, (opts.mappedGids ?? mappedGids()) - 1)}`;
  return out;
}
