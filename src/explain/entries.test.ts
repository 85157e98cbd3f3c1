import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTarSplit, TarSplitBuilder } from '../layer/tar-split';
import { readTar } from '../tar/reader';
import { buildTar } from '../../test/tar-builder';
import { entriesOfTar, entriesOfTarRange, entriesOfTarSplit } from './entries';

const LONG = `deep/${'d'.repeat(120)}/file`;
const TAR = buildTar([
  { name: './' },
  { name: 'etc/' },
  { name: 'etc/big', data: Buffer.alloc(3 << 20, 7) },
  { name: LONG, data: 'long name, in a PAX record' },
  { name: 'etc/hard', type: 'link', linkname: '/etc/big' },
  { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  { name: 'var/.wh.cache' },
  { name: 'opt/.wh..wh..opq' },
]);

const EXPECTED = [
  { path: 'etc', type: 'directory', size: 0, linkname: '' },
  { path: 'etc/big', type: 'file', size: 3 << 20, linkname: '' },
  { path: LONG, type: 'file', size: 26, linkname: '' },
  { path: 'etc/hard', type: 'link', size: 0, linkname: 'etc/big' },
  { path: 'bin/sh', type: 'symlink', size: 0, linkname: 'busybox' },
  { path: 'var/.wh.cache', type: 'file', size: 0, linkname: '' },
  { path: 'opt/.wh..wh..opq', type: 'file', size: 0, linkname: '' },
];

/** The tar-split unpacking records: headers and padding raw, each file's content by reference. */
async function tarSplitOf(tar: Buffer): Promise<Buffer> {
  const b = new TarSplitBuilder();
  await readTar(
    (async function* () {
      yield tar;
    })(),
    {
      raw: (x) => b.raw(x),
      entry: (h) => {
        if (h.type === 'file' && h.size > 0) b.file(`diff/${h.name}`, h.size);
      },
    },
  );
  return b.serialize();
}

test('entries come from a tar-split alone, as from the tar itself', async () => {
  assert.deepEqual(
    await entriesOfTar(
      (async function* () {
        yield TAR;
      })(),
    ),
    EXPECTED,
  );
  assert.deepEqual(entriesOfTarSplit(parseTarSplit(await tarSplitOf(TAR))), EXPECTED);
});

test('entries of a tar inside a file, by its byte range', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-entries-'));
  try {
    const file = path.join(dir, 'outer');
    fs.writeFileSync(file, Buffer.concat([Buffer.alloc(1000, 9), TAR, Buffer.alloc(77, 9)]));
    const fd = fs.openSync(file, 'r');
    try {
      assert.deepEqual(await entriesOfTarRange(fd, 1000, 1000 + TAR.length), EXPECTED);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a hard link climbing out of the layer is refused', async () => {
  const tar = buildTar([{ name: 'x', type: 'link', linkname: '../../etc/passwd' }]);
  await assert.rejects(
    entriesOfTar(
      (async function* () {
        yield tar;
      })(),
    ),
    /refusing layer entry .*climbs out/,
  );
});
