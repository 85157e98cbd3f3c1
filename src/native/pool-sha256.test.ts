import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { native } from './index';
import { PoolSha256, sha256FileRange } from './pool-sha256';

const want = (parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return `sha256:${h.digest('hex')}`;
};

test('PoolSha256 hashes what it is given, in order, whatever the chunking', async () => {
  const sizes = [[], [0], [1], [5, 0, 7], Array.from({ length: 300 }, (_, i) => (i * 7919) % 70000)];
  for (const s of sizes) {
    const parts = s.map((n) => randomBytes(n));
    const h = new PoolSha256();
    for (const p of parts) await h.update(p);
    assert.equal(await h.digest(), want(parts), `chunks of ${s.join(',')}`);
  }
});

test('PoolSha256 makes its producer wait once it lags, and ends with the right digest', async () => {
  const chunk = randomBytes(1 << 20);
  const h = new PoolSha256();
  let waits = 0;
  for (let i = 0; i < 40; i++) {
    const lag = h.update(chunk.subarray(i));
    if (lag) {
      waits++;
      await lag;
    }
  }
  assert.ok(waits > 0, '40 MB queued at once must ask to wait (16 MB bound)');
  assert.equal(await h.digest(), want(Array.from({ length: 40 }, (_, i) => chunk.subarray(i))));
});

test('PoolSha256.hashedThrough: a buffer refilled once it resolves leaves the digest right', async () => {
  // two buffers taking turns for 48 MB: refilled too early, the pool would hash the new bytes in place of the old
  const ring = [Buffer.alloc(1 << 20), Buffer.alloc(1 << 20)];
  const ends = [0, 0];
  const h = new PoolSha256();
  const fed: Buffer[] = [];
  for (let i = 0; i < 48; i++) {
    const k = i % 2;
    await h.hashedThrough(ends[k]);
    ring[k].fill(i);
    fed.push(Buffer.from(ring[k]));
    await h.update(ring[k]);
    ends[k] = h.queued;
  }
  assert.equal(h.queued, 48 << 20);
  assert.equal(await h.digest(), want(fed));
});

test('many PoolSha256 at once each get their own digest', async () => {
  const data = Array.from({ length: 12 }, (_, i) => randomBytes(300_000 + i));
  const digests = await Promise.all(
    data.map(async (d) => {
      const h = new PoolSha256();
      for (let off = 0; off < d.length; off += 65536) await h.update(d.subarray(off, off + 65536));
      return h.digest();
    }),
  );
  assert.deepEqual(
    digests,
    data.map((d) => want([d])),
  );
});

test('the native handle refuses a digest while bytes wait, a second digest, and what is not a handle', () => {
  const h = native.sha256New();
  native.sha256Update(h, Buffer.alloc(10));
  assert.throws(() => native.sha256Final(h), /still being hashed/);
  assert.throws(() => native.sha256Update({} as never, Buffer.alloc(1)), /expected a sha256 handle/);
  assert.throws(() => native.sha256Update(h, 'text' as never), /expected a Buffer or Uint8Array/);
  return new Promise<void>((resolve) =>
    native.sha256Wait(h, 0, () => {
      assert.match(native.sha256Final(h), /^[0-9a-f]{64}$/);
      assert.throws(() => native.sha256Final(h), /OpenSSL failed|finished/);
      resolve();
    }),
  );
});

test('sha256FileRange hashes a range of a file on the pool, and says why it cannot', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'range-hash-'));
  try {
    const file = path.join(dir, 'f');
    const data = randomBytes(3 * (1 << 20) + 12345); // more than its 1 MB reads
    fs.writeFileSync(file, data);
    for (const [start, end] of [
      [0, data.length],
      [0, 0],
      [7, 7 + (1 << 20)],
      [1 << 20, data.length],
      [data.length - 1, data.length],
    ]) {
      assert.equal(await sha256FileRange(file, start, end), want([data.subarray(start, end)]), `[${start}, ${end})`);
    }
    const all = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => sha256FileRange(file, i, data.length - i)));
    assert.deepEqual(
      all,
      [0, 1, 2, 3, 4, 5].map((i) => want([data.subarray(i, data.length - i)])),
    );
    await assert.rejects(sha256FileRange(file, 10, data.length + 1), /unexpected EOF/);
    await assert.rejects(sha256FileRange(path.join(dir, 'missing'), 0, 1), /ENOENT/);
    assert.throws(() => native.sha256FileRange(file, 5, 4), /start <= end/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
