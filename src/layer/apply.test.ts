// applyTar and applyTarRange, both readers: what a later entry does to an
// earlier one (replace a file or a directory of files, link to a file just
// written), the layer rebuilt byte for byte from its tar-split, and a file that
// cannot be made rejecting the whole apply with nothing written after. Owners
// are the test's own user, so it runs unprivileged. (The entries come in the
// order that would catch an unpacking that left files pending across entries.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { encodeHeader, END_OF_ARCHIVE, paddingFor, type EntryInput } from '../tar/header';
import { applyTar, applyTarRange, diffSize, type ApplyResult } from './apply';
import { rebuildTar } from './rebuild';
import { parseTarSplit } from './tar-split';
import { StowageError } from '../errdefs';
import type { Digest } from '../digest';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

type Entry = Omit<EntryInput, 'mode' | 'mtime'> & { mode?: number; mtime?: number; body?: Buffer };

function tarOf(entries: Entry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    out.push(encodeHeader({ mode: 0o644, mtime: 1_600_000_000, uid, gid, ...e, size: body.length }));
    out.push(body, Buffer.alloc(paddingFor(body.length)));
  }
  out.push(END_OF_ARCHIVE);
  return Buffer.concat(out);
}

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'apply-test-'));
}

const readers: Array<[string, (tar: Buffer, dir: string) => Promise<ApplyResult>]> = [
  ['stream', (tar, dir) => applyTar(chunks(tar, 7_000), dir)],
  // the diff ID hashed on libuv's thread pool (as for large layers)
  ['stream, pool hash', (tar, dir) => applyTar(chunks(tar, 7_000), dir, { parallelHash: true })],
  [
    'range',
    async (tar, dir) => {
      const file = path.join(dir, '..', `${path.basename(dir)}.tar`);
      fs.writeFileSync(file, tar);
      const fd = fs.openSync(file, 'r');
      try {
        return { ...(await applyTarRange(fd, 0, tar.length, dir)), diffId: sha(tar) }; // (the caller hashes the range)
      } finally {
        fs.closeSync(fd);
      }
    },
  ],
];

async function rebuilt(dir: string, r: ApplyResult): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of rebuildTar(dir, parseTarSplit(r.tarSplit), r.diffId)) parts.push(b);
  return Buffer.concat(parts);
}

const bodyOf = (i: number, size = 100 + ((i * 37) % 3000)) => Buffer.alloc(size, `file ${i};`);

for (const [kind, apply] of readers) {
  test(`${kind}: many files, later entries replacing and linking to earlier ones, rebuilt byte for byte`, async () => {
    const entries: Entry[] = [{ name: './', type: 'directory', mode: 0o755 }];
    for (let d = 0; d < 4; d++) {
      entries.push({ name: `d${d}/`, type: 'directory', mode: 0o750, mtime: 1_500_000_000 + d });
      for (let i = 0; i < 150; i++)
        entries.push({ name: `d${d}/f${i}`, type: 'file', mode: 0o640, body: bodyOf(d * 1000 + i), mtime: i });
    }
    // each case right after files just written
    let filler = 0;
    const fresh = (): Entry[] =>
      Array.from({ length: 20 }, () => ({ name: `fill/g${filler}`, type: 'file', body: bodyOf(filler++) }));
    entries.push(
      // larger bodies: a range of the archive (range reader), buffered (stream) or written as they come
      { name: 'big/a', type: 'file', body: Buffer.alloc(300_000, 'a') },
      { name: 'big/b', type: 'file', body: Buffer.alloc(1_500_000, 'b') },
      // a file replaces a directory full of files
      { name: 'd3', type: 'file', mode: 0o604, body: Buffer.from('d3 is a file now') },
      ...fresh(),
      // a later file of the same name replaces an earlier one
      { name: 'fill/g19', type: 'file', mode: 0o600, body: Buffer.from('second g19') },
      ...fresh(),
      // a directory replaces a file, and is written into at once
      { name: 'fill/g39/', type: 'directory', mode: 0o755 },
      { name: 'fill/g39/inner', type: 'file', body: Buffer.from('inner') },
      ...fresh(),
      // hard links to files just queued
      { name: 'fill/g59-link', type: 'link', linkname: 'fill/g59' },
      ...fresh(),
      { name: 'g79-link', type: 'link', linkname: '/fill/g79' },
      { name: 'd2/sym', type: 'symlink', linkname: '../d0/f0' },
      { name: 'setuid', type: 'file', mode: 0o4755, body: Buffer.from('#!/bin/sh\n') },
      { name: 'empty', type: 'file', body: Buffer.alloc(0) },
    );
    const tar = tarOf(entries);
    const top = tmp();
    try {
      const dir = path.join(top, 'layer');
      const r = await apply(tar, dir);
      assert.equal(r.diffId, sha(tar));
      assert.equal(r.tarSize, tar.length);
      const diff = path.join(dir, 'diff');
      const read = (p: string) => fs.readFileSync(path.join(diff, p), 'utf8');
      assert.equal(read('fill/g19'), 'second g19');
      assert.equal(read('fill/g39/inner'), 'inner');
      assert.equal(read('d3'), 'd3 is a file now');
      assert.equal(read('d2/f100'), bodyOf(2100).toString());
      assert.equal(read('fill/g78'), bodyOf(78).toString());
      assert.equal(fs.statSync(path.join(diff, 'big/b')).size, 1_500_000);
      assert.equal(fs.statSync(path.join(diff, 'fill/g59-link')).ino, fs.statSync(path.join(diff, 'fill/g59')).ino);
      assert.equal(read('g79-link'), bodyOf(79).toString());
      assert.equal(fs.readlinkSync(path.join(diff, 'd2/sym')), '../d0/f0');
      const st = fs.statSync(path.join(diff, 'd1/f7'));
      assert.equal(st.mode & 0o7777, 0o640);
      assert.equal(st.mtimeMs, 7000);
      assert.equal(st.uid, uid);
      assert.equal(fs.statSync(path.join(diff, 'setuid')).mode & 0o7777, 0o4755);
      assert.equal(fs.statSync(path.join(diff, 'd0')).mtimeMs, 1_500_000_000_000, 'directory times set last');
      assert.equal(fs.statSync(path.join(diff, 'd0')).mode & 0o7777, 0o750);
      assert.equal(fs.readdirSync(path.join(diff, 'd2')).length, 151);
      assert.equal(fs.readdirSync(path.join(diff, 'fill')).length, 81); // g0-g79 and g59-link
      assert.ok((await rebuilt(dir, r)).equals(tar), 'the tar-split rebuilds the layer byte for byte');
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

  test(`${kind}: modes as the entries say whatever the umask, and the size diffSize() would count`, async () => {
    const entries: Entry[] = [
      { name: 'd/', type: 'directory', mode: 0o755 },
      { name: 'd/a', type: 'file', mode: 0o644, body: Buffer.alloc(70_000, 'a') },
      { name: 'd/open', type: 'file', mode: 0o666, body: Buffer.from('umask 022 would take 0o022 off') },
      { name: 'd/none', type: 'file', mode: 0o000, body: Buffer.from('no one may read this') },
      { name: 'd/sticky', type: 'file', mode: 0o1755, body: Buffer.from('x') },
      { name: 'd/empty', type: 'file', body: Buffer.alloc(0) },
      { name: 'd/hard', type: 'link', linkname: 'd/a' }, // the same inode: counted once
      { name: 'd/sym', type: 'symlink', linkname: '../ünïcode/ターゲット' }, // a symlink's size is its target's bytes
    ];
    const tar = tarOf(entries);
    const top = tmp();
    const umask = process.umask(0o022);
    try {
      const dir = path.join(top, 'layer');
      const r = await apply(tar, dir);
      const diff = path.join(dir, 'diff');
      const mode = (p: string) => fs.statSync(path.join(diff, p)).mode & 0o7777;
      assert.equal(mode('d/a'), 0o644);
      assert.equal(mode('d/open'), 0o666);
      assert.equal(mode('d/none'), 0o000);
      assert.equal(mode('d/sticky'), 0o1755);
      assert.equal(fs.statSync(path.join(diff, 'd/open')).uid, uid);
      assert.equal(fs.statSync(path.join(diff, 'd/open')).gid, gid);
      assert.equal(r.size, diffSize(diff));
      const files = entries.filter((e) => e.type === 'file').reduce((n, e) => n + (e.body?.length ?? 0), 0);
      assert.equal(r.size, files + Buffer.byteLength('../ünïcode/ターゲット'));
      // an entry that replaces another leaves the count to diffSize()
      const replaced = await apply(
        tarOf([...entries, { name: 'd/a', type: 'file', body: Buffer.from('b') }]),
        `${dir}2`,
      );
      assert.equal(replaced.size, undefined);
    } finally {
      process.umask(umask);
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

  test(`${kind}: a file that cannot be made rejects the apply, and nothing is written after`, async () => {
    const entries: Entry[] = [{ name: 'd/', type: 'directory', mode: 0o755 }];
    for (let i = 0; i < 40; i++) entries.push({ name: `d/a${i}`, type: 'file', body: bodyOf(i) });
    const long = `d/${'x'.repeat(300)}`; // longer than a name may be (ENAMETOOLONG)
    entries.push({ name: long, type: 'file', body: Buffer.from('never') });
    for (let i = 0; i < 400; i++) entries.push({ name: `d/b${i}`, type: 'file', body: bodyOf(i) });
    const tar = tarOf(entries);
    const top = tmp();
    try {
      const dir = path.join(top, 'layer');
      await assert.rejects(apply(tar, dir), (e: unknown) => {
        assert.ok(e instanceof StowageError);
        assert.equal(e.kind, 'invalid-argument');
        assert.match(e.message, new RegExp(`failed to unpack layer \\(entry "${long}"\\): .*ENAMETOOLONG`));
        return true;
      });
      // as the store does on failure: once removed, nothing may bring it back
      fs.rmSync(dir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(fs.existsSync(dir), false);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });

  test(`${kind}: a bad entry after many files rejects with its own error`, async () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 30; i++) entries.push({ name: `f${i}`, type: 'file', body: bodyOf(i) });
    entries.push({ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', type: 'file', body: bodyOf(1) });
    const tar = tarOf(entries);
    const top = tmp();
    try {
      const dir = path.join(top, 'layer');
      await assert.rejects(apply(tar, dir), /refusing layer entry "l\/passwd": its parent "l" is a symlink/);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
}

test('rebuildTar: the same bytes, and a changed file refused', async () => {
  const body = Buffer.alloc(3_000_000, 'abc');
  const tar = tarOf([
    { name: 'big', type: 'file', body },
    { name: 'small', type: 'file', body: Buffer.from('x') },
  ]);
  const dir = tmp();
  try {
    const r = await applyTar(chunks(tar, 65_536), dir);
    const segments = parseTarSplit(r.tarSplit);
    const parts: Buffer[] = [];
    for await (const b of rebuildTar(dir, segments, r.diffId)) parts.push(b);
    assert.ok(Buffer.concat(parts).equals(tar), 'byte for byte');
    fs.writeFileSync(path.join(dir, 'diff', 'big'), Buffer.alloc(body.length, 'abd'));
    await assert.rejects(async () => {
      for await (const _ of rebuildTar(dir, segments, r.diffId)) {
        // (only the check)
      }
    }, /does not match its content/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
