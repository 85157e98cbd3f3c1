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
  /** whether a network namespace path is the host's (the one this process is in) */
  isHostNetns?: (path: string) => boolean;
}

/** Whether path names the network namespace this process runs in (the host's, for a rootless CLI). */
function isOwnNetns(p: string): boolean {
  try {
    const a = fs.statSync(p);
    const b = fs.statSync('/proc/self/ns/net');
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    // gone or unreadable: not ours to judge; runc reports a missing one
    return false;
  }
}

/**
 * The mounts with sysfs replaced by a read-only bind of the user's /sys: the
 * kernel mounts sysfs only for a network namespace of the caller's user
 * namespace, so a container on the host's network (or one of its own user
 * namespace, keep-id) gets the /sys it can see, as podman does.
 */
export function bindHostSys(mounts: OciSpec['mounts']): OciSpec['mounts'] {
  return mounts.map((m) =>
    m.destination === '/sys' && m.type === 'sysfs'
      ? {
          destination: '/sys',
          type: 'bind',
          source: '/sys',
          options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev', 'ro'],
        }
      : m,
  );
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
  const netns = spec.linux.namespaces.find((n) => n.type === 'network');
  const hostNetwork = !netns || (!!netns.path && (opts.isHostNetns ?? isOwnNetns)(netns.path));
  const out: OciSpec = {
    ...spec,
    mounts: hostNetwork ? bindHostSys(spec.mounts) : spec.mounts,
    process: { ...spec.process },
    linux: {
      ...spec.linux,
      // the host's namespace by path (container:X of a host-network X): runc is in it already and may not
      // setns into it from the user's namespace, so none is joined
      namespaces: hostNetwork ? spec.linux.namespaces.filter((n) => n !== netns) : spec.linux.namespaces,
      sysctl: { ...spec.linux.sysctl },
    },
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
