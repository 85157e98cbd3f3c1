import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diveEfficiency } from './efficiency';
import type { LayerEntry } from './types';

const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size, linkname: '' });
const d = (path: string): LayerEntry => ({ path, type: 'directory', size: 0, linkname: '' });
const sym = (path: string): LayerEntry => ({ path, type: 'symlink', size: 0, linkname: 'target' });

test("dive's score: smallest copy of each path over all copies", () => {
  // /a: 100 then 300 (min 100, all 400); /b: 50 once; /c: 70 then deleted (min 0, all 70)
  const e = diveEfficiency([
    [f('a', 100), f('b', 50), f('c', 70)],
    [f('a', 300), f('.wh.c', 0)],
  ]);
  assert.equal(e.score, (100 + 50 + 0) / (400 + 50 + 70));
  assert.equal(e.wastedBytes, 400 + 70);
});

test('only leaves count: directories, symlinks and hard links weigh 0', () => {
  const e = diveEfficiency([
    [d('etc'), f('etc/x', 10), sym('etc/y')],
    [d('etc'), f('etc/x', 10), d('empty')],
  ]);
  assert.equal(e.score, 10 / 20);
  assert.equal(e.wastedBytes, 20);
});

test('a directory whiteout weighs the lower files under it, as dive sizes it', () => {
  // dive counts the deleted directory as one more path (/d, 30) beside its files
  const e = diveEfficiency([[d('d'), f('d/x', 10), f('d/y', 20)], [f('.wh.d', 0)]]);
  assert.equal(e.score, (10 + 20 + 30) / (10 + 20 + 30));
  assert.equal(e.wastedBytes, 0);
});

test('opaque markers are ignored, and an image without bytes scores 1', () => {
  assert.equal(
    diveEfficiency([
      [d('d'), f('d/x', 10)],
      [d('d'), f('d/.wh..wh..opq', 0)],
    ]).score,
    1,
  );
  assert.equal(diveEfficiency([[d('d')], []]).score, 1);
});
