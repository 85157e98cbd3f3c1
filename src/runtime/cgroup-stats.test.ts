import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPercent, type Sample } from './cgroup-stats';

const at = (cpuNs: number, systemNs: number): Sample => ({
  cpuNs,
  systemNs,
  memUsage: 0,
  memLimit: 0,
  pids: 0,
  netRx: 0,
  netTx: 0,
  blkRead: 0,
  blkWrite: 0,
});

test("CPU share as the docker CLI computes it: the container's time over the machine's, times the CPUs", () => {
  // one of two CPUs kept busy for the whole interval
  assert.equal(cpuPercent(at(0, 0), at(1e9, 2e9), 2), 100);
  assert.equal(cpuPercent(at(5e8, 1e9), at(7.5e8, 2e9), 2), 50);
  assert.equal(cpuPercent(at(1e9, 1e9), at(1e9, 2e9), 2), 0, 'idle');
  assert.equal(cpuPercent(at(0, 1e9), at(1e6, 1e9), 2), 0, 'no machine time passed: no share');
});
