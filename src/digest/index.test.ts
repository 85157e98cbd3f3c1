import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainIds, isDigest, sha256, shortId, randomId, type Digest } from './index';

test('chain IDs are computed as Docker does', () => {
  const a = sha256('a');
  const b = sha256('b');
  const c = sha256('c');
  const chain = chainIds([a, b, c]);
  assert.equal(chain[0], a);
  assert.equal(chain[1], sha256(`${a} ${b}`));
  assert.equal(chain[2], sha256(`${chain[1]} ${c}`));
  assert.deepEqual(chainIds([]), []);
});

test('digest validation and short IDs', () => {
  const d: Digest = sha256('x');
  assert.ok(isDigest(d));
  assert.ok(!isDigest('sha256:XYZ'));
  assert.ok(!isDigest(d.slice(7)));
  assert.equal(shortId(d), d.slice(7, 19));
  assert.equal(randomId().length, 64);
});
