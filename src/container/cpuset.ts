// --cpuset-cpus "0-2,5": checked against the CPUs this machine's cgroups offer,
// as Docker's daemon checks it (pkg/parsers.ParseUintList, sysinfo's cpuset).
import fs from 'node:fs';
import os from 'node:os';
import { invalidArgument } from '../errdefs';

/** The set a cpuset list names; "invalid format: X" as Docker's parser says. */
export function parseCpuList(val: string): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const bad = () => new Error(`invalid format: ${val}`);
  const int = (s: string) => {
    if (!/^[+-]?\d+$/.test(s)) throw bad();
    return Number(s);
  };
  for (const r of val.split(',')) {
    if (!r.includes('-')) {
      out.add(int(r));
      continue;
    }
    const dash = r.indexOf('-');
    const [lo, hi] = [int(r.slice(0, dash)), int(r.slice(dash + 1))];
    if (hi < lo) throw bad();
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/** The CPUs containers may use: the root cpuset (cgroup v1, or v2's effective set), else all online ones. */
export function availableCpus(): string {
  for (const f of ['/sys/fs/cgroup/cpuset/cpuset.cpus', '/sys/fs/cgroup/cpuset.cpus.effective']) {
    try {
      const v = fs.readFileSync(f, 'utf8').trim();
      if (v) return v;
    } catch {
      // not this layout
    }
  }
  const n = os.cpus().length;
  return n > 1 ? `0-${n - 1}` : '0';
}

/** The daemon's checks of --cpuset-cpus. */
export function checkCpuset(val: string, available = availableCpus()): void {
  if (!val) return;
  let want: Set<number>;
  try {
    want = parseCpuList(val);
  } catch (e) {
    throw invalidArgument(`Invalid value ${val} for cpuset cpus: ${(e as Error).message}`);
  }
  const have = parseCpuList(available);
  for (const cpu of want)
    if (!have.has(cpu))
      throw invalidArgument(`Requested CPUs are not available - requested ${val}, available: ${available}`);
}
