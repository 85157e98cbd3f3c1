import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipLevel } from './push';

test('a layer that does not compress is gzipped at the fastest level, any other at the default', () => {
  assert.equal(gzipLevel(randomBytes(1 << 20)), 1);
  assert.equal(gzipLevel(Buffer.from('#!/bin/sh\necho hello from a script\n'.repeat(40_000))), 6);
  assert.equal(gzipLevel(randomBytes(1000)), 6, 'too little to judge');
});
