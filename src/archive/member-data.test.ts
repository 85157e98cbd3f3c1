import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemberHold } from './member-data';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

test('members stay in memory up to the budget for all of them, then go to temporary files, removed by dispose', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'member-data-'));
  let n = 0;
  const hold = new MemberHold(() => path.join(dir, `m${n++}`), 10);
  try {
    const a = hold.start(6);
    a.write(Buffer.from('abc'));
    a.write(Buffer.from('def'));
    const first = a.end();
    const b = hold.start(6); // 12 > 10: this one goes to a file
    b.write(Buffer.from('ghi'));
    b.write(Buffer.from('jkl'));
    const second = b.end();
    assert.deepEqual(fs.readdirSync(dir), ['m0'], 'only the second member is on disk');
    assert.equal(first.bytes().toString(), 'abcdef');
    assert.equal(second.bytes().toString(), 'ghijkl');
    assert.equal((await collect(second.chunks())).toString(), 'ghijkl');
    assert.equal(second.size, 6);
    const empty = hold.start(100);
    const e = empty.end();
    assert.equal(e.size, 0);
    assert.equal((await collect(e.chunks())).length, 0);
  } finally {
    hold.dispose();
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'dispose removed the temporary files');
  fs.rmSync(dir, { recursive: true });
});

test('a member of an archive file is read from its byte range when asked for, not before', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'member-data-'));
  const file = path.join(dir, 'archive');
  fs.writeFileSync(file, 'xxxxHELLOyyyy');
  const hold = new MemberHold(() => path.join(dir, 'tmp'));
  const m = hold.inFile(file, 4, 5);
  assert.equal(m.bytes().toString(), 'HELLO');
  assert.equal((await collect(m.chunks())).toString(), 'HELLO');
  fs.writeFileSync(file, 'xxxx'); // shortened since: an error, not short content
  assert.throws(() => m.bytes(), /shorter than expected/);
  hold.dispose();
  fs.rmSync(dir, { recursive: true });
});
