// The behaviour every ContainerRecords implementation owes the services: run
// against ContainerStore on a temporary SQLite database and against
// FakeContainerRecords (records.contract.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Digest } from '../digest';
import { isKind } from '../errdefs';
import type { ContainerRecords } from './records';
import type { ContainerRecord } from './types';

const IMAGE_A: Digest = `sha256:${'a'.repeat(64)}`;
const IMAGE_B: Digest = `sha256:${'b'.repeat(64)}`;

/** A record as create makes one, with the fields the store looks at. */
export function sampleRecord(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: randomBytes(32).toString('hex'),
    name: '',
    created: new Date().toISOString(),
    path: 'sh',
    args: [],
    imageId: IMAGE_A,
    imageRef: 'busybox',
    topLayer: null,
    config: { Image: 'busybox' },
    hostConfig: { NetworkMode: 'default' },
    cmdArgs: [],
    mounts: [],
    envFlags: [],
    networks: {},
    ...over,
  } as ContainerRecord;
}

export function containerRecordsContract(
  name: string,
  make: () => ContainerRecords,
  done: (s: ContainerRecords) => void = () => {},
): void {
  const withStore = (fn: (s: ContainerRecords) => void) => () => {
    const s = make();
    try {
      fn(s);
    } finally {
      done(s);
    }
  };
  const notFound = (e: unknown) => isKind(e, 'not-found') && /^No such container: /.test((e as Error).message);

  test(
    `${name}: insert gives the requested name and the created state; get and find return it`,
    withStore((s) => {
      const r = sampleRecord();
      const c = s.insert(r, '/web');
      assert.equal(c.record.name, 'web', 'the leading slash is dropped');
      assert.equal(c.state.Status, 'created');
      assert.equal(c.state.ExitCode, 0);
      assert.deepEqual(s.get(r.id), c);
      assert.deepEqual(s.find(r.id), c);
      assert.deepEqual(s.find('web'), c);
      assert.deepEqual(s.find('/web'), c);
    }),
  );

  test(
    `${name}: without a name, a free random adjective_surname one`,
    withStore((s) => {
      const names = new Set<string>();
      for (let i = 0; i < 5; i++) names.add(s.insert(sampleRecord()).record.name);
      assert.equal(names.size, 5);
      for (const n of names) assert.match(n, /^[a-z]+_[a-z]+\d?$/);
    }),
  );

  test(
    `${name}: a bad or taken name is refused (invalid-argument, conflict) and nothing is recorded`,
    withStore((s) => {
      const first = s.insert(sampleRecord(), 'db');
      const bad = sampleRecord();
      assert.throws(
        () => s.insert(bad, '-x'),
        (e: unknown) => isKind(e, 'invalid-argument') && /Invalid container name \(-x\)/.test((e as Error).message),
      );
      const dup = sampleRecord();
      assert.throws(
        () => s.insert(dup, 'db'),
        (e: unknown) =>
          isKind(e, 'conflict') &&
          (e as Error).message.includes(`"/db" is already in use by container "${first.record.id}"`),
      );
      assert.equal(s.get(bad.id), undefined);
      assert.equal(s.get(dup.id), undefined);
      assert.equal(s.list().length, 1);
    }),
  );

  test(
    `${name}: find by unique ID prefix; an ambiguous prefix is failed-precondition; none is not-found`,
    withStore((s) => {
      const a = s.insert(sampleRecord({ id: `abc1${'0'.repeat(60)}` }));
      s.insert(sampleRecord({ id: `abc2${'0'.repeat(60)}` }));
      assert.equal(s.find('abc1').record.id, a.record.id);
      assert.throws(
        () => s.find('abc'),
        (e: unknown) =>
          isKind(e, 'failed-precondition') && /multiple IDs found with provided prefix: abc/.test(String(e)),
      );
      assert.throws(() => s.find('fff'), notFound);
      assert.throws(() => s.find('nosuch'), notFound);
    }),
  );

  test(
    `${name}: a name wins over an ID prefix it looks like`,
    withStore((s) => {
      const named = s.insert(sampleRecord(), 'abc');
      s.insert(sampleRecord({ id: `abc${'1'.repeat(61)}` }));
      assert.equal(s.find('abc').record.id, named.record.id);
    }),
  );

  test(
    `${name}: list is newest first`,
    withStore((s) => {
      const old = s.insert(sampleRecord({ created: '2024-01-01T00:00:00.000Z' }));
      const mid = s.insert(sampleRecord({ created: '2024-06-01T00:00:00.000Z' }));
      const newest = s.insert(sampleRecord({ created: '2025-01-01T00:00:00.000Z' }));
      assert.deepEqual(
        s.list().map((c) => c.record.id),
        [newest.record.id, mid.record.id, old.record.id],
      );
    }),
  );

  test(
    `${name}: rename: the new name finds it, the old one is free; Docker's refusals`,
    withStore((s) => {
      const c = s.insert(sampleRecord(), 'old');
      s.insert(sampleRecord(), 'other');
      s.rename(c.record.id, '/new');
      assert.equal(s.find('new').record.id, c.record.id);
      assert.equal(s.get(c.record.id)?.record.name, 'new');
      assert.throws(() => s.find('old'), notFound);
      assert.throws(
        () => s.rename(c.record.id, 'new'),
        (e: unknown) => isKind(e, 'invalid-argument') && /same name as its current name/.test(String(e)),
      );
      assert.throws(
        () => s.rename(c.record.id, 'other'),
        (e: unknown) =>
          isKind(e, 'conflict') && /^Error when allocating new name: Conflict\./.test((e as Error).message),
      );
      assert.throws(
        () => s.rename(c.record.id, 'bad name'),
        (e: unknown) => isKind(e, 'invalid-argument'),
      );
      assert.throws(() => s.rename('0'.repeat(64), 'x'), notFound);
      s.insert(sampleRecord(), 'old'); // free again
    }),
  );

  test(
    `${name}: updateState and updateRecord see the current values and keep what they return`,
    withStore((s) => {
      const c = s.insert(sampleRecord(), 'xy');
      const st = s.updateState(c.record.id, (cur, rec) => {
        assert.equal(cur.Status, 'created');
        assert.equal(rec.name, 'xy');
        return { ...cur, Status: 'exited', ExitCode: 3 };
      });
      assert.equal(st.ExitCode, 3);
      assert.equal(s.get(c.record.id)?.state.Status, 'exited');
      s.updateRecord(c.record.id, (r) => ({ ...r, links: [{ id: 'peer', alias: 'db' }] }));
      assert.deepEqual(s.find('xy').record.links, [{ id: 'peer', alias: 'db' }]);
      assert.equal(s.find('xy').state.ExitCode, 3, 'the state stays');
      assert.throws(() => s.updateState('0'.repeat(64), (x) => x), notFound);
      assert.throws(() => s.updateRecord('0'.repeat(64), (x) => x), notFound);
    }),
  );

  test(
    `${name}: what a caller changes in a returned container is not stored`,
    withStore((s) => {
      const c = s.insert(sampleRecord(), 'xy');
      const got = s.get(c.record.id)!;
      got.state.Status = 'running';
      got.record.name = 'changed';
      assert.equal(s.get(c.record.id)?.state.Status, 'created');
      assert.equal(s.find('xy').record.id, c.record.id);
    }),
  );

  test(
    `${name}: delete; usersOf lists the containers of an image; removed exit codes are kept`,
    withStore((s) => {
      const a1 = s.insert(sampleRecord({ imageId: IMAGE_A }));
      const a2 = s.insert(sampleRecord({ imageId: IMAGE_A }));
      const b = s.insert(sampleRecord({ imageId: IMAGE_B }));
      assert.deepEqual(
        s
          .usersOf(IMAGE_A)
          .map((c) => c.record.id)
          .sort(),
        [a1.record.id, a2.record.id].sort(),
      );
      s.keepExitCode(a1.record.id, 42);
      s.delete(a1.record.id);
      assert.equal(s.get(a1.record.id), undefined);
      assert.deepEqual(
        s.usersOf(IMAGE_A).map((c) => c.record.id),
        [a2.record.id],
      );
      assert.equal(s.removedExitCode(a1.record.id), 42);
      assert.equal(s.removedExitCode(b.record.id), undefined);
      s.delete(a1.record.id); // again: no error
      s.insert(sampleRecord(), a1.record.name); // its name is free
    }),
  );
}
