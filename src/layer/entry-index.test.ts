import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryIndex } from './entry-index';

test('remove forgets a subtree, reports the files whose content a segment names, and leaves look-alike names alone', () => {
  const idx = new EntryIndex();
  idx.set('a', 'dir');
  idx.set('a/f', 'file', 1);
  idx.set('a/b', 'dir');
  idx.set('a/b/g', 'file', 2);
  idx.set('a/l', 'symlink');
  idx.set('ab', 'file', 3); // shares a prefix with "a", not a parent
  idx.set('a.txt', 'file', 4);
  const named = idx.remove('a');
  assert.deepEqual(named.map((n) => `${n.rel}:${n.segment}`).sort(), ['a/b/g:2', 'a/f:1']);
  for (const p of ['a', 'a/f', 'a/b', 'a/b/g', 'a/l']) assert.equal(idx.kind(p), undefined, p);
  assert.equal(idx.kind('ab'), 'file');
  assert.equal(idx.kind('a.txt'), 'file');
  assert.equal(idx.kind(''), 'dir', 'the root stays');
  // the name can come back, and going again reports only what is there now
  idx.set('a', 'file', 5);
  assert.deepEqual(idx.remove('a'), [{ rel: 'a', segment: 5 }]);
  assert.deepEqual(idx.remove('missing'), []);
});

test('a layer replacing every one of many names: each removal costs its own subtree only', () => {
  const idx = new EntryIndex();
  const n = 100_000;
  idx.set('d', 'dir');
  for (let i = 0; i < n; i++) idx.set(`d/f${i}`, 'file', i);
  let reported = 0;
  for (let i = 0; i < n; i++) {
    reported += idx.remove(`d/f${i}`).length;
    idx.set(`d/f${i}`, 'file', n + i);
  }
  assert.equal(reported, n);
  assert.equal(idx.remove('d').length, n, 'the directory still holds every name once');
});
