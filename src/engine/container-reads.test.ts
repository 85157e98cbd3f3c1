// The read side's rules for a record that says "running" (container-reads.ts):
// when it tells the truth, when an exit is recorded through the service (and
// only then), and where a container's files are. On in-memory records, with the
// processes and exit files the test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FakeContainerRecords } from '../container/fake-records';
import type { Container } from '../container/records';
import type { RestartPolicy } from '../container/restart-policy';
import type { ContainerRecord, ContainerState } from '../container/types';
import { ContainerReads } from './container-reads';

const ID = 'c0ffee'.padEnd(64, '0');

interface World {
  reads: ContainerReads;
  records: FakeContainerRecords;
  /** pids alive, with their start times */
  live: Map<number, string>;
  /** exit codes conmon wrote, by container ID */
  exits: Map<string, number>;
  /** the exits the read side asked the service to record */
  recorded: Array<{ code: number; error?: string }>;
}

/** A container recorded as running (pid 100, conmon 99), with a restart policy. */
function world(
  policy: RestartPolicy = { Name: 'no', MaximumRetryCount: 0 },
  state: Partial<ContainerState> = {},
): World {
  const records = new FakeContainerRecords();
  const record = {
    id: ID,
    name: 'web',
    created: '2026-12-06T10:00:00.000000000Z',
    path: 'sh',
    args: [],
    hostConfig: { RestartPolicy: policy },
  } as unknown as ContainerRecord; // the fields a read looks at
  records.insert(record, 'web');
  records.updateState(ID, (s) => ({
    ...s,
    Status: 'running',
    Pid: 100,
    PidStart: 'p100',
    ConmonPid: 99,
    ConmonStart: 'p99',
    StartedAt: '2026-12-06T10:00:01.000000000Z',
    ...state,
  }));
  const w: World = {
    records,
    live: new Map([
      [100, 'p100'],
      [99, 'p99'],
    ]),
    exits: new Map(),
    recorded: [],
    reads: undefined as unknown as ContainerReads,
  };
  w.reads = new ContainerReads(
    {
      root: '/store',
      runroot: '/run/store',
      records,
      processes: { start: (pid) => w.live.get(pid) },
      exitCode: (_paths, id) => w.exits.get(id),
    },
    (c: Container, code: number, error?: string) => {
      w.recorded.push({ code, error });
      return {
        record: c.record,
        state: records.updateState(c.record.id, (s) => ({ ...s, Status: 'exited', ExitCode: code })),
      };
    },
  );
  return w;
}

test('a running container whose processes live and that wrote no exit reads as running, and nothing is recorded', () => {
  const w = world();
  assert.equal(w.reads.find('web').state.Status, 'running');
  assert.equal(w.reads.isRunning(ID), true);
  assert.deepEqual(w.recorded, []);
});

test('an exit conmon wrote and nobody recorded is recorded through the service, once', () => {
  const w = world();
  w.exits.set(ID, 3);
  w.live.clear();
  const c = w.reads.find('web');
  assert.equal(c.state.Status, 'exited');
  assert.equal(c.state.ExitCode, 3);
  assert.deepEqual(w.recorded, [{ code: 3, error: undefined }]);
  assert.equal(w.reads.list()[0].state.Status, 'exited');
  assert.equal(w.recorded.length, 1, 'an exited record is not looked at again');
});

test('conmon and the process gone with no exit file: exit 255, with the reason', () => {
  const w = world();
  w.live.clear();
  assert.equal(w.reads.isRunning(ID), false);
  assert.deepEqual(w.recorded, [{ code: 255, error: 'container monitor died before the container exited' }]);
});

test('a reused pid (another start time) is not the container', () => {
  const w = world();
  w.live.set(100, 'someone else');
  w.live.set(99, 'someone else too');
  assert.equal(w.reads.find(ID.slice(0, 12)).state.Status, 'exited');
  assert.equal(w.recorded[0].code, 255);
});

test('with a restart policy an exit shows as restarting or exited and is left to conmon`s exit command', () => {
  const always = world({ Name: 'always', MaximumRetryCount: 0 });
  always.exits.set(ID, 0);
  assert.equal(always.reads.find('web').state.Status, 'restarting');
  const onFailure = world({ Name: 'on-failure', MaximumRetryCount: 0 });
  onFailure.exits.set(ID, 0);
  const c = onFailure.reads.find('web');
  assert.deepEqual([c.state.Status, c.state.ExitCode, c.state.Pid], ['exited', 0, 0]);
  assert.deepEqual([...always.recorded, ...onFailure.recorded], []);
  assert.equal(onFailure.records.get(ID)?.state.Status, 'running', 'the record is left for the exit command');
});

test('restarting with nobody left to restart it (its waiter was killed) is recorded as exited', () => {
  const w = world(undefined, { Status: 'restarting', RestarterPid: 500, RestarterStart: 'p500' });
  assert.equal(w.reads.find('web').state.Status, 'exited');
  assert.equal(w.records.get(ID)?.state.Status, 'exited');
  const waiting = world(undefined, { Status: 'restarting', RestarterPid: 500, RestarterStart: 'p500' });
  waiting.live.set(500, 'p500');
  assert.equal(waiting.reads.find('web').state.Status, 'restarting');
});

test('where a container`s files are: its directory and log in the store, conmon`s files under the run root', () => {
  const { reads } = world();
  assert.equal(reads.containerDir(ID), path.join('/store/containers', ID));
  assert.equal(reads.rootfs(ID).upper, path.join('/store/containers', ID, 'diff'));
  const p = reads.paths(ID);
  assert.equal(p.logPath, path.join('/store/containers', ID, 'ctr.log'));
  assert.equal(p.exitDir, '/run/store/exits');
  assert.equal(p.bundle, `/run/store/c/${ID.slice(0, 12)}`);
});
