// A running container's resource usage, read where the kernel keeps it: its
// cgroup (cgroup v1 controllers, or the v2 unified tree) and the network devices
// of its namespace (/proc/PID/net/dev). What `stats` shows, computed as the
// docker CLI computes it from the engine's numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface Sample {
  /** CPU time of the container and of the whole machine, in ns */
  cpuNs: number;
  systemNs: number;
  memUsage: number;
  memLimit: number;
  pids: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // a controller file the cgroup does not have (or gone with it): no value
    return undefined;
  }
};
const num = (file: string): number => Number((read(file) ?? '0').trim().split(/\s+/)[0]) || 0;

function statField(content: string | undefined, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(content ?? '');
  return m ? Number(m[1]) : 0;
}

/** The machine's CPU time from /proc/stat, in ns (clock ticks are 1/100 s on Linux). */
function systemNs(): number {
  const cpu = (read('/proc/stat') ?? '').split('\n')[0].trim().split(/\s+/).slice(1, 8);
  return cpu.reduce((sum, v) => sum + Number(v), 0) * 1e7;
}

function netOf(pid: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of (read(`/proc/${pid}/net/dev`) ?? '').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0];
    tx += f[8];
  }
  return { rx, tx };
}

/** One reading; `cgroupsPath` as given to runc ("/stowage/<id>"). */
export function sample(cgroupsPath: string, pid: number): Sample {
  const net = netOf(pid);
  const total = os.totalmem();
  if (fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    const dir = path.join(CGROUP_ROOT, cgroupsPath);
    const mem = read(path.join(dir, 'memory.stat'));
    const max = (read(path.join(dir, 'memory.max')) ?? 'max').trim();
    let blkRead = 0;
    let blkWrite = 0;
    for (const line of (read(path.join(dir, 'io.stat')) ?? '').split('\n')) {
      blkRead += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      blkWrite += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
    const usage = num(path.join(dir, 'memory.current'));
    const inactive = statField(mem, 'inactive_file');
    return {
      cpuNs: statField(read(path.join(dir, 'cpu.stat')), 'usage_usec') * 1000,
      systemNs: systemNs(),
      memUsage: inactive < usage ? usage - inactive : usage,
      memLimit: max === 'max' ? total : Math.min(Number(max), total),
      pids: num(path.join(dir, 'pids.current')),
      netRx: net.rx,
      netTx: net.tx,
      blkRead,
      blkWrite,
    };
  }
  const v1 = (controller: string, file: string) => path.join(CGROUP_ROOT, controller, cgroupsPath, file);
  const usage = num(v1('memory', 'memory.usage_in_bytes'));
  const inactive = statField(read(v1('memory', 'memory.stat')), 'total_inactive_file');
  let blkRead = 0;
  let blkWrite = 0;
  for (const line of (read(v1('blkio', 'blkio.throttle.io_service_bytes')) ?? '').split('\n')) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (!dev || dev === 'Total') continue;
    if (op === 'Read') blkRead += Number(value);
    if (op === 'Write') blkWrite += Number(value);
  }
  return {
    cpuNs: num(v1('cpuacct', 'cpuacct.usage')),
    systemNs: systemNs(),
    memUsage: inactive < usage ? usage - inactive : usage,
    memLimit: Math.min(num(v1('memory', 'memory.limit_in_bytes')) || total, total),
    pids: num(v1('pids', 'pids.current')),
    netRx: net.rx,
    netTx: net.tx,
    blkRead,
    blkWrite,
  };
}

/** The docker CLI's calculateCPUPercentUnix: the container's share of the machine's CPU time between two readings. */
export function cpuPercent(prev: Sample, cur: Sample, onlineCpus = os.availableParallelism()): number {
  const cpu = cur.cpuNs - prev.cpuNs;
  const system = cur.systemNs - prev.systemNs;
  return system > 0 && cpu > 0 ? (cpu / system) * onlineCpus * 100 : 0;
}
