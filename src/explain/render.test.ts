import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../digest';
import { analyze } from './analyze';
import { renderHtml } from './html';
import { layerBar, renderText } from './text';
import { squarify, treemap } from './treemap';
import type { ExplainReport, LayerEntry } from './types';

const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size, linkname: '' });

function report(layers: LayerEntry[][]): ExplainReport {
  const d = (i: number): Digest => `sha256:${String(i).repeat(64)}`;
  const a = analyze(
    layers.map((entries, i) => ({ diffId: d(i), chainId: d(i), entries, createdBy: `RUN step ${i + 1}` })),
  );
  return {
    image: { id: d(9), tags: ['demo:1'], source: 'store' },
    ...a,
    sharedBytes: a.layers[0].size,
    uniqueBytes: a.size - a.layers[0].size,
  };
}

test('a layer bar: full blocks for what is seen, eighths at its end, shade for what is hidden', () => {
  assert.deepEqual(layerBar(100, 0, 100, 10), { seen: '█'.repeat(10), hidden: '' });
  assert.deepEqual(layerBar(0, 100, 100, 10), { seen: '', hidden: '░'.repeat(10) });
  assert.deepEqual(layerBar(25, 25, 100, 10), { seen: '██▌', hidden: '░░' });
  assert.deepEqual(layerBar(1, 0, 1e9, 10), { seen: '▏', hidden: '' }, 'a tiny layer still shows');
  assert.deepEqual(layerBar(0, 0, 100, 10), { seen: '', hidden: '' });
  const { seen, hidden } = layerBar(999, 1, 1000, 10);
  assert.ok(Array.from(seen).length + hidden.length <= 10, 'never wider than the bar');
});

test('the text: figures, layers top first with their bars, the waste list', () => {
  const text = renderText(report([[f('bin/app', 3000)], [f('tmp/cache', 9000)], [f('tmp/.wh.cache', 0)]]), {
    color: false,
  });
  assert.match(text, /^Image: {6}demo:1 \(sha256:999999999999…\)\n/);
  assert.match(text, /\nWasted: {5}9kB \(75\.0%\) in 1 path, shipped but hidden by later layers\n/);
  assert.match(
    text,
    /\nLAYER +SIZE +HIDDEN +ADDED +CHANGED +DELETED +SHARED WITH +CREATED BY\n3 +0B +0B +0 +0 +1 +RUN step 3\n2 +9kB +9kB +1 +0 +0 +RUN step 2\n1 +3kB +0B +1 +0 +0 +RUN step 1\n/,
  );
  assert.match(text, /\n {2}2 ▕░{40}▏ 9kB, 9kB hidden\n {2}1 ▕█{13}▍ {26}▏ 3kB\n/);
  assert.match(text, /\nWASTED +PATH +COPIES\n9kB +\/tmp\/cache +layer 2 \(deleted in layer 3\)\n$/);
  assert.ok(!text.includes('\x1b['), 'no colour unless asked');
  assert.ok(renderText(report([[f('a', 1)], [f('a', 2)]]), { color: true }).includes('\x1b[31m░'));
});

test('the page escapes every name it shows', () => {
  const r = report([[f('www/<script>alert(1)</script>', 10)], [f('www/<script>alert(1)</script>', 20)]]);
  r.image.tags = ['evil"<b>:1'];
  const html = renderHtml(r);
  assert.ok(!html.includes('<script>'), 'no markup from names');
  assert.ok(!html.includes('<b>'));
  assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  assert.match(
    html,
    /<ol id="layers" class="stack">\n<li class="layer" data-layer="2"[\s\S]*<li class="layer" data-layer="1"/,
  );
  assert.match(html, /<tr class="waste-row"><td class="size">10B<\/td>/);
});

test('squarified rectangles fill the area in proportion, without overlapping', () => {
  const values = [60, 20, 10, 6, 4];
  const rects = squarify(values, { x: 0, y: 0, w: 300, h: 200 });
  const area = 300 * 200;
  rects.forEach((r, i) => assert.ok(Math.abs(r.w * r.h - (values[i] / 100) * area) < 1e-6, `area ${i}`));
  for (const r of rects)
    assert.ok(r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.w <= 300 + 1e-9 && r.y + r.h <= 200 + 1e-9, 'inside');
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i];
      const b = rects[j];
      const overlap =
        Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 1e-6 &&
        Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 1e-6;
      assert.ok(!overlap, `${i} and ${j} do not overlap`);
    }
  }
  // squarified: no sliver worse than 1:4 here
  for (const r of rects) assert.ok(Math.max(r.w / r.h, r.h / r.w) < 4, `aspect ${r.w}x${r.h}`);
});

test('the treemap nests subdirectories inside their parent, below its label', () => {
  const r = report([[f('usr/lib/a', 600), f('usr/bin/b', 300), f('etc/c', 100)]]);
  const cells = treemap(r.tree, { x: 0, y: 0, w: 400, h: 300 });
  const usr = cells.find((c) => c.node.path === '/usr')!;
  const lib = cells.find((c) => c.node.path === '/usr/lib')!;
  assert.equal(usr.depth, 1);
  assert.equal(lib.depth, 2);
  assert.ok(lib.x >= usr.x && lib.y >= usr.y + 16 && lib.x + lib.w <= usr.x + usr.w && lib.y + lib.h <= usr.y + usr.h);
});
