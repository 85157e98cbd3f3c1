// `image explain` on images of known content: the waste of deleted and
// overwritten files, dive's efficiency worked out by hand, the same report
// from the store and from the saved archive, and shared/unique bytes that add
// up with `system df -v`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { TestEnv } from '../helpers';
import { archiveOf, BIG, F, KNOWN } from '../explain-kit';
import { humanSize, humanSizeWithPrecision } from '../../src/util/units';
import type { ExplainReport } from '../../src/explain/types';

let env: TestEnv;
before(async () => {
  env = new TestEnv();
  await env.baseImage();
});
after(() => env.cleanup());

async function explain(args: string[]): Promise<ExplainReport> {
  return JSON.parse(await env.ok(['image', 'explain', '--format', 'json', ...args])) as ExplainReport;
}

test("deleted and overwritten files are wasted, by path and layer; efficiency is dive's formula", async () => {
  const archive = archiveOf(env, 'known', 'known:1', KNOWN);
  await env.ok(['load', '-i', archive]);
  const r = await explain(['known:1']);
  assert.equal(r.layers.length, 4);
  assert.equal(r.size, 5000 + 100 + BIG + 3 * F);
  assert.equal(r.wastedBytes, BIG + 2 * F, 'the deleted 10 MiB and two of the three copies of /app/f');
  assert.equal(r.visibleBytes, 5000 + 100 + F);
  assert.deepEqual(
    r.layers.map((l) => l.hiddenBytes),
    [0, BIG + F, F, 0],
  );
  assert.deepEqual(
    r.layers.map((l) => [l.added, l.changed, l.deleted]),
    [
      [2, 0, 0],
      [2, 0, 0],
      [0, 1, 1],
      [0, 1, 0],
    ],
  );
  assert.deepEqual(r.waste[0], {
    path: '/data/big',
    bytes: BIG,
    copies: [{ layer: 2, size: BIG, fate: 'deleted', by: 3 }],
  });
  assert.deepEqual(r.waste[1], {
    path: '/app/f',
    bytes: 2 * F,
    visibleIn: 4,
    copies: [
      { layer: 2, size: F, fate: 'overwritten', by: 3 },
      { layer: 3, size: F, fate: 'overwritten', by: 4 },
    ],
  });
  assert.equal(r.wastedPaths, 2);
  // dive: per path, the smallest copy over all copies (directories weigh 0; the whiteout of /data/big weighs 0)
  const smallest = 5000 + 100 + 0 + F;
  const all = 5000 + 100 + (BIG + 0) + 3 * F;
  assert.equal(r.efficiency, smallest / all);
  assert.equal(r.diveWastedBytes, BIG + 3 * F);
  // the size is the one `images` shows, and the text names the path and the layers
  const images = await env.ok(['images', '--format', '{{.Size}}', 'known:1']);
  assert.equal(images, `${humanSizeWithPrecision(r.size, 3)}\n`);
  const text = await env.ok(['image', 'explain', 'known:1']);
  assert.match(text, /\n10\.49MB\s+\/data\/big\s+layer 2 \(deleted in layer 3\)\n/);
  assert.match(
    text,
    /\n8\.192kB\s+\/app\/f\s+layer 2 \(overwritten in layer 3\), layer 3 \(overwritten in layer 4\)\n/,
  );
  assert.match(text, /\n {2}2 ▕░{40}▏ 10\.49MB, 10\.49MB hidden\n/);
});

test('the same report from the store and from --archive on the saved image', async () => {
  await env.ok([
    'load',
    '-i',
    archiveOf(env, 'same', 'same:1', [...KNOWN.slice(0, 3), [...KNOWN[3], { name: 'app/readme', data: 'same' }]]),
  ]);
  const saved = path.join(env.dir, 'same-saved.tar');
  await env.ok(['save', '-o', saved, 'same:1']);
  const imagesBefore = await env.ok(['images', '-aq']);
  const fromStore = await explain(['same:1']);
  const fromArchive = await explain(['--archive', saved]);
  assert.deepEqual(fromArchive.image, { ...fromStore.image, source: 'archive', archive: saved });
  assert.deepEqual({ ...fromArchive, image: null }, { ...fromStore, image: null });
  // a gzipped archive (decompressed to find the headers) gives the same numbers
  const gz = path.join(env.dir, 'same-saved.tar.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(saved)));
  assert.deepEqual({ ...(await explain(['--archive', gz])), image: null }, { ...fromStore, image: null });
  // the archive was only read: nothing was loaded
  assert.equal(await env.ok(['images', '-aq']), imagesBefore);
});

test('a build that writes 10 MB and deletes it in the next step wastes 10 MB under its path', async () => {
  const ctx = path.join(env.dir, 'fat');
  fs.mkdirSync(ctx);
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    'FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=10\nRUN rm /big\n',
  );
  await env.ok(['build', '-q', '-t', 'fat:1', ctx]);
  const r = await explain(['fat:1']);
  assert.equal(r.layers.length, 3);
  assert.equal(r.wastedBytes, BIG);
  assert.deepEqual(
    r.waste.map((w) => [w.path, w.bytes, w.copies]),
    [['/big', BIG, [{ layer: 2, size: BIG, fate: 'deleted', by: 3 }]]],
  );
  assert.equal(r.layers[1].createdBy, '/bin/sh -c dd if=/dev/zero of=/big bs=1M count=10');
  assert.equal(r.layers[2].deleted, 1);
  assert.equal(r.visibleBytes, r.layers[0].size);
  assert.deepEqual(r.layers[0].sharedWith, ['busybox:latest']);
});

/** `system df -v`'s image rows: tag -> [SIZE, SHARED SIZE, UNIQUE SIZE]. */
async function dfRows(): Promise<Map<string, string[]>> {
  const out = await env.ok(['system', 'df', '-v']);
  const table = out.split('\n\n')[1].split('\n');
  assert.match(table[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$/);
  return new Map(
    table.slice(1).map((line) => {
      const cols = line.split(/\s{2,}/);
      return [`${cols[0]}:${cols[1]}`, cols.slice(4, 7)];
    }),
  );
}

test('shared and unique bytes of two images on the same base add up with system df -v', async () => {
  for (const app of ['one', 'two']) {
    const ctx = path.join(env.dir, `ctx-${app}`);
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'page.html'), `<h1>${app}</h1>`.repeat(app === 'one' ? 100 : 300));
    // two steps with layers: the build leaves an intermediate image, which Docker's df does not count
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      'FROM busybox\nCOPY page.html /www/\nCOPY page.html /www/copy.html\n',
    );
    await env.ok(['build', '-q', '-t', `app:${app}`, ctx]);
  }
  const one = await explain(['app:one']);
  const two = await explain(['app:two']);
  const base = one.layers[0].size;
  for (const r of [one, two]) {
    assert.equal(r.sharedBytes, base, 'only the busybox layer is shared');
    assert.equal(r.sharedBytes + r.uniqueBytes, r.size);
    const other = r === one ? 'app:two' : 'app:one';
    assert.ok(
      r.layers[0].sharedWith.includes(other) && r.layers[0].sharedWith.includes('busybox:latest'),
      r.layers[0].sharedWith.join(),
    );
    assert.ok(
      r.layers[0].sharedWith.every((n) => n.includes(':')),
      'only tagged images: no intermediate one',
    );
    assert.deepEqual(r.layers[1].sharedWith, [], 'no intermediate image is counted');
  }
  const df = await dfRows();
  for (const [tag, r] of [
    ['app:one', one],
    ['app:two', two],
  ] as const) {
    assert.deepEqual(df.get(tag)?.slice(1), [humanSize(r.sharedBytes), humanSize(r.uniqueBytes)], tag);
  }
  assert.ok(![...df.keys()].some((k) => k === '<none>:<none>'), 'intermediate images are not listed');
});

test('--archive picks one of several images by name or ID, and says which it holds', async () => {
  const both = path.join(env.dir, 'both.tar');
  await env.ok(['save', '-o', both, 'app:one', 'app:two']);
  const r = await env.run(['image', 'explain', '--archive', both]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds 2 images \((app:one, app:two|app:two, app:one)\): name the one to explain/);
  const two = await explain(['--archive', both, 'app:two']);
  assert.deepEqual(two.image.tags, ['app:two']);
  const byId = await explain(['--archive', both, two.image.id.slice(7, 19)]);
  assert.equal(byId.image.id, two.image.id);
  // shared with what the store holds (the image itself, present there too, is not counted twice)
  assert.equal(two.sharedBytes, (await explain(['app:two'])).sharedBytes);
  const missing = await env.run(['image', 'explain', '--archive', both, 'app:three']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `Error: No such image in ${both}: app:three\n`);
});

test('bad invocations fail with a clear error and change nothing', async () => {
  const none = await env.run(['image', 'explain']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /'stowage image explain' requires 1 argument/);
  const missing = await env.run(['image', 'explain', 'nope']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error: No such image: nope:latest\n']);
  const format = await env.run(['image', 'explain', '--format', '{{.Size}}', 'busybox']);
  assert.equal(format.code, 1);
  assert.match(format.stderr, /unsupported format "\{\{\.Size\}\}"/);
  const noFile = await env.run(['image', 'explain', '--archive', path.join(env.dir, 'nope.tar')]);
  assert.deepEqual(
    [noFile.code, noFile.stderr],
    [1, `Error: open ${path.join(env.dir, 'nope.tar')}: no such file or directory\n`],
  );
  const garbage = path.join(env.dir, 'garbage.tar');
  fs.writeFileSync(garbage, 'not a tar at all, not even close'.repeat(40));
  const bad = await env.run(['image', 'explain', '--archive', garbage]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: invalid archive: /);
  const page = path.join(env.dir, 'no-such-dir', 'page.html');
  const noDir = await env.run(['image', 'explain', '--html', page, 'busybox']);
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /invalid output path/);
});
