// import: layers unpacked into overlayfs form, diff IDs, hostile tars refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { TestEnv, listTree } from '../helpers';
import { buildTar } from '../tar-builder';
import { native } from '../../src/native';

const env = new TestEnv();
after(() => env.cleanup());

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function layerDirOf(ref: string): Promise<string> {
  const upper = (await env.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', ref])).trim();
  assert.ok(fs.existsSync(upper), `layer dir ${upper} exists`);
  return upper;
}

test('the imported layer diff ID is the sha256 of the uncompressed input, whatever the compression', async () => {
  const tar = buildTar([
    { name: 'hello.txt', data: 'hello\n' },
    { name: 'dir/', type: 'directory' },
  ]);
  const file = path.join(env.dir, 'plain.tar');
  fs.writeFileSync(file, tar);
  await env.ok(['import', file, 'plain:1']);
  const layers = JSON.parse(await env.ok(['inspect', '-f', '{{json .RootFS.Layers}}', 'plain:1']));
  assert.deepEqual(layers, [sha(tar)]);
  for (const [ext, cmd] of [
    ['gz', 'gzip'],
    ['bz2', 'bzip2'],
    ['xz', 'xz'],
    ['zst', 'zstd'],
  ]) {
    const c = path.join(env.dir, `c.tar.${ext}`);
    fs.writeFileSync(c, execFileSync(cmd, ['-c'], { input: tar }));
    await env.ok(['import', c, `comp:${ext}`]);
    const l = JSON.parse(await env.ok(['inspect', '-f', '{{json .RootFS.Layers}}', `comp:${ext}`]));
    assert.deepEqual(l, [sha(tar)], `${ext} import has the same diff ID`);
  }
  // stdin, and the layer is stored once however many images use it
  const id = (await env.ok(['import', '-', 'stdin:1'], { input: gzipSync(tar) })).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  const overlay = fs.readdirSync(path.join(env.root, 'overlay')).filter((n) => n !== 'l');
  assert.equal(overlay.filter((n) => n === sha(tar).slice(7)).length, 1);
});

test('every entry type, owner, mode, mtime, xattr and long name is unpacked', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.txt`;
  const tar = buildTar([
    { name: 'dir/', type: 'directory', mode: 0o750, uid: 1000, gid: 1001 },
    { name: 'dir/file', data: 'content', mode: 0o640, uid: 1000, gid: 1001, mtime: 1_600_000_000 },
    { name: 'dir/link', type: 'link', linkname: 'dir/file' },
    { name: 'dir/sym', type: 'symlink', linkname: '../elsewhere/target' },
    { name: 'abs-sym', type: 'symlink', linkname: '/etc/passwd' },
    { name: 'suid', data: 'x', mode: 0o4755 },
    { name: 'sgid', data: 'x', mode: 0o2755 },
    { name: 'sticky/', type: 'directory', mode: 0o1777 },
    // a set-group-ID directory gives new files its group: a file of root's says so itself
    { name: 'shared/', type: 'directory', mode: 0o2775, gid: 1002 },
    { name: 'shared/root-owned', data: 'r', mode: 0o644 },
    { name: 'shared/group-owned', data: 'g', mode: 0o644, gid: 1002 },
    { name: 'null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'blk', type: 'block', devmajor: 7, devminor: 0, mode: 0o660 },
    { name: 'fifo', type: 'fifo', mode: 0o600 },
    { name: 'xattr', data: 'x', xattrs: new Map([['user.comment', Buffer.from('kept')]]) },
    { name: 'ünïcode-名前.txt', data: 'u' },
    { name: long, data: 'long' },
  ]);
  const file = path.join(env.dir, 'types.tar');
  fs.writeFileSync(file, tar);
  await env.ok(['import', file, 'types:1']);
  const d = await layerDirOf('types:1');
  const st = (p: string) => fs.lstatSync(path.join(d, p));
  assert.equal(st('dir').mode & 0o7777, 0o750);
  assert.equal(st('dir').uid, 1000);
  assert.equal(st('dir/file').gid, 1001);
  assert.equal(st('dir/file').mode & 0o7777, 0o640);
  assert.equal(st('dir/file').mtimeMs, 1_600_000_000_000);
  assert.equal(st('dir/link').ino, st('dir/file').ino);
  assert.equal(fs.readlinkSync(path.join(d, 'dir/sym')), '../elsewhere/target');
  assert.equal(fs.readlinkSync(path.join(d, 'abs-sym')), '/etc/passwd');
  assert.equal(st('suid').mode & 0o7777, 0o4755);
  assert.equal(st('sgid').mode & 0o7777, 0o2755);
  assert.equal(st('sticky').mode & 0o7777, 0o1777);
  assert.equal(st('shared').gid, 1002);
  assert.equal(st('shared/root-owned').gid, 0);
  assert.equal(st('shared/root-owned').uid, 0);
  assert.equal(st('shared/group-owned').gid, 1002);
  assert.equal(st('shared/root-owned').mode & 0o7777, 0o644);
  assert.ok(st('null').isCharacterDevice());
  assert.equal(st('null').rdev, (1 << 8) | 3);
  assert.ok(st('blk').isBlockDevice());
  assert.ok(st('fifo').isFIFO());
  assert.equal(native.lgetxattr(path.join(d, 'xattr'), 'user.comment')?.toString(), 'kept');
  assert.equal(fs.readFileSync(path.join(d, 'ünïcode-名前.txt'), 'utf8'), 'u');
  assert.equal(fs.readFileSync(path.join(d, long), 'utf8'), 'long');
});

test('whiteouts and opaque directories take overlayfs form', async () => {
  const tar = buildTar([
    { name: 'gone/', type: 'directory' },
    { name: '.wh.deleted', data: '' },
    { name: 'gone/.wh..wh..opq', data: '' },
    { name: 'gone/new', data: 'n' },
  ]);
  const file = path.join(env.dir, 'wh.tar');
  fs.writeFileSync(file, tar);
  await env.ok(['import', file, 'wh:1']);
  const d = await layerDirOf('wh:1');
  const w = fs.lstatSync(path.join(d, 'deleted'));
  assert.ok(w.isCharacterDevice());
  assert.equal(w.rdev, 0);
  assert.ok(!fs.existsSync(path.join(d, '.wh.deleted')));
  assert.equal(native.lgetxattr(path.join(d, 'gone'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.ok(!fs.existsSync(path.join(d, 'gone', '.wh..wh..opq')));
});

test('the image SIZE counts file sizes as Docker does (hard links once)', async () => {
  const tar = buildTar([
    { name: 'a', data: 'x'.repeat(1000) },
    { name: 'b', type: 'link', linkname: 'a' },
    { name: 's', type: 'symlink', linkname: 'abc' },
    { name: 'd/', type: 'directory' },
  ]);
  const file = path.join(env.dir, 'size.tar');
  fs.writeFileSync(file, tar);
  await env.ok(['import', file, 'size:1']);
  assert.equal((await env.ok(['inspect', '-f', '{{.Size}}', 'size:1'])).trim(), '1003');
  assert.match(await env.ok(['images', 'size']), /size\s+1\s+[0-9a-f]{12}\s+.*\s1kB\n/);
});

const hostile: Array<[string, Parameters<typeof buildTar>[0], RegExp]> = [
  [
    'parent traversal',
    [
      { name: 'ok', data: 'x' },
      { name: '../../../../tmp/escaped.txt', data: 'bad' },
    ],
    /"\.\.\/\.\.\/\.\.\/\.\.\/tmp\/escaped\.txt".*climbs out/,
  ],
  ['absolute path', [{ name: '/tmp/absolute.txt', data: 'bad' }], /"\/tmp\/absolute\.txt".*absolute/],
  [
    'symlink escape',
    [
      { name: 'etc-link', type: 'symlink', linkname: '/etc' },
      { name: 'etc-link/evil.conf', data: 'bad' },
    ],
    /"etc-link\/evil\.conf".*symlink/,
  ],
  [
    'hardlink escape',
    [{ name: 'pw', type: 'link', linkname: '../../../../etc/passwd' }],
    /"pw".*climbs out|"\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"/,
  ],
  ['hardlink to outside the layer', [{ name: 'pw', type: 'link', linkname: 'etc/passwd' }], /"pw".*not in this layer/],
];

for (const [what, entries, message] of hostile) {
  test(`a layer with a ${what} is refused and leaves nothing behind`, async () => {
    const before = {
      images: await env.ok(['images', '-q', '--no-trunc']),
      overlay: listTree(path.join(env.root, 'overlay')),
    };
    const file = path.join(env.dir, 'hostile.tar');
    fs.writeFileSync(file, buildTar(entries));
    const r = await env.run(['import', file, 'hostile:1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
    assert.equal(await env.ok(['images', '-q', '--no-trunc']), before.images);
    assert.deepEqual(listTree(path.join(env.root, 'overlay')), before.overlay);
    assert.deepEqual(fs.readdirSync(path.join(env.root, 'tmp')), []);
    assert.ok(
      !fs.existsSync('/tmp/escaped.txt') && !fs.existsSync('/tmp/absolute.txt') && !fs.existsSync('/etc/evil.conf'),
    );
  });
}

test('a truncated or non-tar input is refused', async () => {
  const tar = buildTar([{ name: 'big', data: 'x'.repeat(5000) }]);
  const r = await env.run(['import', '-', 'trunc:1'], { input: tar.subarray(0, 2000) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unexpected EOF|truncated/);
  const r2 = await env.run(['import', '-', 'text:1'], {
    input: 'this is not a tar archive at all, just some text\n'.repeat(20),
  });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /invalid tar header/);
  const r3 = await env.run(['import', path.join(env.dir, 'missing.tar')]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /no such file or directory/);
});

test('two imports running at once both succeed and the store stays consistent', async () => {
  const files = [0, 1, 2, 3].map((i) => {
    const f = path.join(env.dir, `par${i}.tar`);
    fs.writeFileSync(
      f,
      buildTar([
        { name: `f${i}`, data: 'y'.repeat(200_000 + i) },
        { name: 'shared', data: 'same' },
      ]),
    );
    return f;
  });
  const ids = await Promise.all(files.map((f, i) => env.ok(['import', f, `par:${i}`])));
  const listed = (await env.ok(['images', 'par', '--format', '{{.Tag}} {{.ID}}'])).trim().split('\n').sort();
  assert.deepEqual(listed, ids.map((id, i) => `${i} ${id.trim().slice(7, 19)}`).sort());
  // the same tarball imported twice at once: one layer, two images
  const same = await Promise.all([env.ok(['import', files[0], 'same:a']), env.ok(['import', files[0], 'same:b'])]);
  assert.equal(same.length, 2);
  const dirs = fs.readdirSync(path.join(env.root, 'overlay')).filter((n) => n !== 'l');
  assert.equal(new Set(dirs).size, dirs.length);
});
