import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, topN } from './analyze';
import type { LayerEntry, LayerInput } from './types';

const MB = 1 << 20;
const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size, linkname: '' });
const d = (path: string): LayerEntry => ({ path, type: 'directory', size: 0, linkname: '' });
const wh = (path: string): LayerEntry => {
  const i = path.lastIndexOf('/');
  return f(`${path.slice(0, i + 1)}.wh.${path.slice(i + 1)}`, 0);
};
const opq = (dir: string): LayerEntry => f(`${dir}/.wh..wh..opq`, 0);
const ln = (path: string, target: string): LayerEntry => ({ path, type: 'link', size: 0, linkname: target });
const sym = (path: string, target: string): LayerEntry => ({ path, type: 'symlink', size: 0, linkname: target });

const layers = (...ls: LayerEntry[][]): LayerInput[] =>
  ls.map((entries, i) => ({
    diffId: `sha256:${String(i).repeat(64)}`,
    chainId: `sha256:${String(i).repeat(64)}`,
    entries,
    createdBy: `step ${i + 1}`,
  }));

test('a 10 MB file written in one layer and deleted in the next is 10 MB wasted, under its path', () => {
  const a = analyze(
    layers([d('bin'), f('bin/sh', 1000)], [d('data'), f('data/big', 10 * MB)], [d('data'), wh('data/big')]),
  );
  assert.equal(a.size, 1000 + 10 * MB);
  assert.equal(a.wastedBytes, 10 * MB);
  assert.equal(a.visibleBytes, 1000);
  assert.deepEqual(
    a.layers.map((l) => [l.size, l.hiddenBytes, l.added, l.changed, l.deleted]),
    [
      [1000, 0, 1, 0, 0],
      [10 * MB, 10 * MB, 1, 0, 0],
      [0, 0, 0, 0, 1],
    ],
  );
  assert.deepEqual(a.waste, [
    { path: '/data/big', bytes: 10 * MB, copies: [{ layer: 2, size: 10 * MB, fate: 'deleted', by: 3 }] },
  ]);
  assert.equal(a.wastedPaths, 1);
  assert.deepEqual(a.layers[1].largest, [{ path: '/data/big', size: 10 * MB, hiddenBy: 3 }]);
  // dive: /bin/sh min 1000 of 1000; /data/big min 0 (the whiteout) of 10 MB
  assert.equal(a.efficiency, 1000 / (1000 + 10 * MB));
  assert.equal(a.diveWastedBytes, 10 * MB);
  assert.equal(a.files, 1);
});

test('a file written in three layers wastes two copies; the top one is seen', () => {
  const a = analyze(layers([f('app/f', 3000)], [f('app/f', 3000)], [f('app/f', 3000)]));
  assert.equal(a.wastedBytes, 6000);
  assert.equal(a.visibleBytes, 3000);
  assert.deepEqual(a.waste, [
    {
      path: '/app/f',
      bytes: 6000,
      visibleIn: 3,
      copies: [
        { layer: 1, size: 3000, fate: 'overwritten', by: 2 },
        { layer: 2, size: 3000, fate: 'overwritten', by: 3 },
      ],
    },
  ]);
  assert.deepEqual(
    a.layers.map((l) => [l.added, l.changed]),
    [
      [1, 0],
      [0, 1],
      [0, 1],
    ],
  );
  assert.equal(a.efficiency, 3000 / 9000);
  assert.equal(a.diveWastedBytes, 9000); // dive counts every copy, the seen one too
});

test('an opaque directory hides everything the layers below had in it', () => {
  const a = analyze(
    layers(
      [d('etc'), f('etc/a', 10), f('etc/b', 20), d('etc/sub'), f('etc/sub/c', 30)],
      [d('etc'), opq('etc'), f('etc/a', 5)],
    ),
  );
  assert.equal(a.wastedBytes, 60);
  assert.equal(a.visibleBytes, 5);
  assert.deepEqual(a.layers[1], { ...a.layers[1], added: 1, changed: 0, deleted: 3 });
  assert.deepEqual(
    a.waste.map((w) => [w.path, w.copies[0].fate]),
    [
      ['/etc/sub/c', 'deleted'],
      ['/etc/b', 'deleted'],
      ['/etc/a', 'deleted'],
    ],
  );
  assert.equal(a.waste.find((w) => w.path === '/etc/a')?.visibleIn, 2);
});

test('a deleted directory wastes every file under it', () => {
  const a = analyze(layers([f('var/cache/x/1', 100), f('var/cache/x/2', 200), f('var/keep', 1)], [wh('var/cache')]));
  assert.equal(a.wastedBytes, 300);
  assert.equal(a.layers[1].deleted, 2);
  assert.deepEqual(
    a.waste.map((w) => w.path),
    ['/var/cache/x/2', '/var/cache/x/1'],
  );
});

test('hard links count once, and a file stays seen while one of its names is', () => {
  const a = analyze(layers([f('usr/bin/a', 500), ln('usr/bin/b', 'usr/bin/a')], [wh('usr/bin/a')]));
  assert.equal(a.layers[0].size, 500);
  assert.equal(a.wastedBytes, 0);
  assert.equal(a.visibleBytes, 500);
  assert.equal(a.layers[1].deleted, 1);
  const b = analyze(layers([f('usr/bin/a', 500), ln('usr/bin/b', 'usr/bin/a')], [wh('usr/bin/a'), wh('usr/bin/b')]));
  assert.equal(b.wastedBytes, 500);
  assert.deepEqual(
    b.waste.map((w) => w.path),
    ['/usr/bin/b'],
  );
});

test('symlinks weigh their target path, as Docker sizes layers', () => {
  const a = analyze(layers([f('bin/busybox', 1000), sym('bin/ls', 'busybox'), sym('bin/sh', '/bin/busybox')]));
  assert.equal(a.size, 1000 + 7 + 12);
  assert.equal(a.files, 3);
});

test('a later entry of the same tar replaces an earlier one; only the last counts', () => {
  const a = analyze(layers([f('a', 100), f('a', 40), f('dir/x', 7), f('dir', 3)]));
  assert.equal(a.size, 43);
  assert.equal(a.wastedBytes, 0);
});

test('a file replaced by a directory and a directory replaced by a file are both hidden', () => {
  const a = analyze(layers([f('p', 10), f('q/inner', 20)], [d('p'), f('p/new', 1), f('q', 2)]));
  assert.equal(a.wastedBytes, 30);
  assert.deepEqual(a.layers[1], { ...a.layers[1], added: 1, changed: 1, deleted: 1 });
  assert.deepEqual(
    a.waste.map((w) => [w.path, w.copies[0].fate]),
    [
      ['/q/inner', 'deleted'],
      ['/p', 'overwritten'],
    ],
  );
});

test('the directory summary holds the seen bytes, largest first, with the layer that brought most', () => {
  const a = analyze(layers([f('usr/lib/x', 700), f('usr/bin/y', 200), f('etc/z', 100)], [f('usr/lib/x', 900)]));
  assert.equal(a.tree.size, 1200);
  assert.deepEqual(
    a.tree.children.map((c) => [c.path, c.size, c.layer]),
    [
      ['/usr', 1100, 2],
      ['/etc', 100, 1],
    ],
  );
  assert.deepEqual(
    a.tree.children[0].children.map((c) => [c.path, c.size]),
    [
      ['/usr/lib', 900],
      ['/usr/bin', 200],
    ],
  );
});

test('an empty image is perfectly efficient', () => {
  const a = analyze(layers([]));
  assert.deepEqual([a.size, a.wastedBytes, a.efficiency, a.files], [0, 0, 1, 0]);
});

test('topN keeps the n largest, largest first', () => {
  assert.deepEqual(
    topN([5, 1, 9, 3, 7, 9], 3, (x) => x),
    [9, 9, 7],
  );
  assert.deepEqual(
    topN([], 3, (x: number) => x),
    [],
  );
});
