// Docker's stats JSON (types.StatsJSON) from two cgroup readings, for
// GET /containers/{id}/stats; the docker CLI computes its columns from it.
import os from 'node:os';
import type { Container } from '../container/store';
import { sample, type Sample } from '../runtime/cgroup-stats';

export { cpuPercent, type Sample } from '../runtime/cgroup-stats';
import { cgroupsPathOf } from './container-spec';

const ZERO = '0001-01-01T00:00:00Z';

export interface Reading {
  at: string;
  s?: Sample;
}

export function read(c: Container): Reading {
  const running = c.state.Status === 'running' || c.state.Status === 'paused';
  return { at: new Date().toISOString(), s: running ? sample(cgroupsPathOf(c.record.id), c.state.Pid) : undefined };
}

function cpu(s: Sample | undefined) {
  return {
    cpu_usage: { total_usage: s?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.systemNs ?? 0,
    online_cpus: s ? os.availableParallelism() : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

export function statsJson(c: Container, pre: Reading | undefined, cur: Reading): Record<string, unknown> {
  const s = cur.s;
  return {
    read: cur.s ? cur.at : ZERO,
    preread: pre?.s ? pre.at : ZERO,
    pids_stats: s ? { current: s.pids } : {},
    blkio_stats: {
      io_service_bytes_recursive: s
        ? [
            { major: 0, minor: 0, op: 'Read', value: s.blkRead },
            { major: 0, minor: 0, op: 'Write', value: s.blkWrite },
          ]
        : null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu(s),
    precpu_stats: cpu(pre?.s),
    // usage is already net of the page cache (what the docker CLI subtracts), so stats carries none
    memory_stats: s ? { usage: s.memUsage, stats: {}, limit: s.memLimit } : {},
    name: `/${c.record.name}`,
    id: c.record.id,
    ...(s
      ? {
          networks: {
            eth0: {
              rx_bytes: s.netRx,
              rx_packets: 0,
              rx_errors: 0,
              rx_dropped: 0,
              tx_bytes: s.netTx,
              tx_packets: 0,
              tx_errors: 0,
              tx_dropped: 0,
            },
          },
        }
      : {}),
  };
}
