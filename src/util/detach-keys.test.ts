import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachWatcher, parseDetachKeys } from './detach-keys';

test('detach keys parse as the docker CLI reads them', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11]);
  assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,a')], [0, 0x1b, 0x61]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character: 'ctrl-1'/);
  assert.throws(() => parseDetachKeys('ab'), /Unknown character: 'ab'/);
});

async function feed(chunks: Buffer[]): Promise<{ out: string; detached: boolean }> {
  const w = new DetachWatcher(parseDetachKeys('ctrl-p,ctrl-q'));
  let out = '';
  let detached = false;
  w.on('data', (d: Buffer) => (out += d.toString('latin1')));
  w.on('detach', () => (detached = true));
  for (const c of chunks) w.write(c);
  w.end();
  await new Promise((r) => w.on('end', r));
  return { out, detached };
}

test('the sequence is taken out of stdin and signals a detach; a broken start of it goes through', async () => {
  assert.deepEqual(await feed([Buffer.from('ls\n\x10\x11')]), { out: 'ls\n', detached: true });
  assert.deepEqual(
    await feed([Buffer.from('a\x10'), Buffer.from('\x11b')]),
    { out: 'a', detached: true },
    'split across reads',
  );
  assert.deepEqual(await feed([Buffer.from('\x10x\x10\x10y')]), { out: '\x10x\x10\x10y', detached: false });
  assert.deepEqual(await feed([Buffer.from('\x10\x10\x11')]), { out: '\x10', detached: true });
});
