import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { gzipLayer, segmentLevel } from './layer-gzip';

const text = (n: number) =>
  Buffer.from('#!/bin/sh\necho hello from a script\n'.repeat(Math.ceil(n / 34))).subarray(0, n);

async function gzipped(chunks: Buffer[]): Promise<Buffer> {
  async function* source() {
    yield* chunks;
  }
  const out: Buffer[] = [];
  for await (const b of gzipLayer(source())) out.push(b);
  return Buffer.concat(out);
}

test('random bytes are stored, text and code compressed, too little is compressed', () => {
  assert.equal(segmentLevel(randomBytes(1 << 20)), 0);
  assert.equal(segmentLevel(text(1 << 20)), 6);
  assert.equal(segmentLevel(Buffer.alloc(1 << 20)), 6);
  assert.equal(segmentLevel(randomBytes(1000)), 6, 'too little to judge');
  // bytes from a small alphabet look random to no one
  const hex = Buffer.from(randomBytes(1 << 19).toString('hex'));
  assert.equal(segmentLevel(hex), 6);
});

test('a layer of random and text megabytes: each part at its level, the whole round-trips', async () => {
  const random = randomBytes(3 << 20);
  const words = text(3 << 20);
  // odd chunk sizes: the segments are cut the same whatever the chunks are
  const input = Buffer.concat([words, random, words.subarray(0, 12_345)]);
  const cut = (b: Buffer, size: number) =>
    Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
  const a = await gzipped(cut(input, 65_536));
  const b = await gzipped(cut(input, 777_777));
  assert.deepEqual(gunzipSync(a), input);
  // one gzip member, read by gzip(1) as by Node (and by Go's reader: Docker pulls it in the registry tests)
  const gz = spawnSync('gzip', ['-dc'], { input: a, maxBuffer: 64 << 20 });
  assert.equal(gz.status, 0, gz.stderr.toString());
  assert.ok(gz.stdout.equals(input));
  assert.equal(
    createHash('sha256').update(a).digest('hex'),
    createHash('sha256').update(b).digest('hex'),
    'same layer, same blob',
  );
  // the random part is stored (no smaller), the text compressed far below its size
  assert.ok(a.length > random.length, `${a.length} bytes for ${random.length} random ones`);
  assert.ok(a.length < random.length + (256 << 10), `text compressed: ${a.length}`);
});

test('an error of the tar ends the gzip blob with it', async () => {
  async function* failing() {
    yield text(2 << 20);
    throw new Error('layer file vanished');
  }
  await assert.rejects(async () => {
    for await (const _ of gzipLayer(failing())) {
      // read until the error
    }
  }, /layer file vanished/);
});
