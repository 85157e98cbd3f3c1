import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((r) => setImmediate(r));

test('operations on one key run one after the other, in order', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const op = (name: string) =>
    lock.run('a', async () => {
      log.push(`${name} in`);
      await tick();
      log.push(`${name} out`);
    });
  await Promise.all([op('1'), op('2'), op('3')]);
  assert.deepEqual(log, ['1 in', '1 out', '2 in', '2 out', '3 in', '3 out']);
});

test('operations on different keys interleave, and a failure releases the key', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const a = lock.run('a', async () => {
    log.push('a in');
    await tick();
    await tick();
    log.push('a out');
  });
  const b = lock.run('b', async () => {
    log.push('b in');
    log.push('b out');
  });
  await Promise.all([a, b]);
  assert.deepEqual(log.slice(0, 3), ['a in', 'b in', 'b out']);
  await assert.rejects(
    lock.run('a', async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await lock.run('a', async () => 7), 7);
});
