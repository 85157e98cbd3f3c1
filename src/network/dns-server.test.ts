import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpstream } from './dns-server';

test('parseUpstream: an address alone is port 53; IPv4:PORT and [IPv6]:PORT carry theirs', () => {
  assert.deepEqual(parseUpstream('10.0.0.1'), { host: '10.0.0.1', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('fd00::1'), { host: 'fd00::1', port: 53 });
  assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 });
});
