// cgroups for an ordinary user's containers: only where the host delegates a
// cgroup v2 subtree to the user (systemd's user@UID.service, Delegate=yes);
// none otherwise (cgroup v1, as on this machine), and then the limits that need
// one (--memory, --memory-swap, --cpus, --pids-limit) are refused, not ignored.
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition } from '../errdefs';
import { identity } from './identity';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** This process's cgroup v2 path ("0::/user.slice/...") from /proc/self/cgroup's text; undefined on v1 or hybrid. */
export function unifiedPath(procCgroup: string): string | undefined {
  const lines = procCgroup.split('\n').filter(Boolean);
  if (lines.length !== 1 || !lines[0].startsWith('0::')) return undefined;
  return lines[0].slice(3) || '/';
}

export interface Delegation {
  /** the delegated cgroup, relative to the cgroup root */
  base: string;
  /** controllers its children may use */
  controllers: string[];
}

/** The highest cgroup above this process that is the user's own (delegated), if the host is cgroup v2 only. */
export function delegatedCgroup(): Delegation | undefined {
  if (!fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) return undefined;
  let own: string | undefined;
  try {
    own = unifiedPath(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    // no procfs cgroup file: no delegation can be found
    return undefined;
  }
  if (!own) return undefined;
  const me = process.geteuid?.() ?? 0;
  const ours = (rel: string) => {
    try {
      const dir = path.join(CGROUP_ROOT, rel);
      fs.accessSync(dir, fs.constants.W_OK);
      return fs.statSync(dir).uid === me && fs.statSync(path.join(dir, 'cgroup.subtree_control')).uid === me;
    } catch {
      // missing or not writable: not a cgroup delegated to us
      return false;
    }
  };
  let base: string | undefined;
  for (let p = own; p !== '/' && ours(p); p = path.posix.dirname(p)) base = p;
  if (!base) return undefined;
  const controllers = fs
    .readFileSync(path.join(CGROUP_ROOT, base, 'cgroup.subtree_control'), 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return { base, controllers };
}

let delegation: Delegation | undefined | null = null;
const cachedDelegation = () => (delegation === null ? (delegation = delegatedCgroup()) : delegation);

/** The container's cgroup in rootless mode: under the delegated subtree, or none. */
export function rootlessCgroupsPath(id: string): string | undefined {
  const d = cachedDelegation();
  return d ? path.posix.join(d.base, 'stowage', id) : undefined;
}

/** The limits of a container's HostConfig that need a cgroup controller (stated here: rootless/ sits below container/). */
interface Limits {
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  PidsLimit: number | null;
}

/** Limits set in a HostConfig and the controller each needs. */
function requestedLimits(hc: Limits): Array<{ flag: string; controller: string }> {
  const out: Array<{ flag: string; controller: string }> = [];
  if (hc.Memory) out.push({ flag: '--memory', controller: 'memory' });
  if (hc.MemorySwap && hc.MemorySwap > 0) out.push({ flag: '--memory-swap', controller: 'memory' });
  if (hc.NanoCpus) out.push({ flag: '--cpus', controller: 'cpu' });
  if (hc.PidsLimit && hc.PidsLimit > 0) out.push({ flag: '--pids-limit', controller: 'pids' });
  return out;
}

/**
 * Refuses limits that cannot be applied to an ordinary user's container (podman
 * only warns and ignores them on cgroup v1): with none, nothing is limited.
 */
export function checkRootlessLimits(hc: Limits, delegated = cachedDelegation): void {
  if (identity().kind === 'root') return;
  const asked = requestedLimits(hc);
  if (asked.length === 0) return;
  const d = delegated();
  const missing = asked.filter((a) => !d?.controllers.includes(a.controller));
  if (missing.length === 0) return;
  const flags = [...new Set(missing.map((m) => m.flag))].join(', ');
  const why = d
    ? `the cgroup delegated to this user (${d.base}) has no ${[...new Set(missing.map((m) => m.controller))].join(', ')} controller`
    : 'the host does not delegate cgroups to this user (a cgroup v2 subtree, as systemd gives with Delegate=yes; this host has cgroup v1)';
  throw failedPrecondition(
    `resource limits cannot be applied in rootless mode: ${flags}: ${why}. Leave out ${flags}, or run as root`,
  );
}

/**
 * Whether containers can be frozen (runc pause: the cgroup freezer). Rootless
 * without a delegated cgroup they cannot: `pause` is refused, and `commit` and
 * `cp` work on the running container unfrozen (as podman does there).
 */
export function canFreeze(): boolean {
  return identity().kind === 'root' || !!cachedDelegation();
}

/** `pause`'s refusal when containers cannot be frozen. */
export function checkCanFreeze(): void {
  if (!canFreeze()) {
    throw failedPrecondition(
      'cannot pause containers in rootless mode: the host does not delegate cgroups to this user (this host has cgroup v1), so there is no freezer',
    );
  }
}
