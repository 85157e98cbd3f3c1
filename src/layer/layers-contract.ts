// The behaviour every Layers implementation owes the services, as containerd's
// snapshotter test suite: run against LayerStore on a temporary directory (an
// ordinary user's files only) and against FakeLayers (layers.contract.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, type Digest } from '../digest';
import { isKind } from '../errdefs';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from '../tar/header';
import type { Layers } from './layers';

/**
 * A layer tar of regular files (and directories, for names ending in /), owned by
 * this process's user: an ordinary user's store can unpack it (chown to oneself).
 */
export function layerTar(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const dir = name.endsWith('/');
    const data = Buffer.from(dir ? '' : text);
    parts.push(
      encodeHeader({
        name,
        type: dir ? 'directory' : 'file',
        mode: dir ? 0o755 : 0o644,
        size: data.length,
        mtime: 1_700_000_000,
        uid: process.getuid?.() ?? 0,
        gid: process.getgid?.() ?? 0,
      }),
    );
    if (data.length) parts.push(data, Buffer.alloc(paddingFor(data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

async function* chunks(b: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

export function layersContract(name: string, make: () => Layers, done: (l: Layers) => void = () => {}): void {
  const withLayers = (fn: (l: Layers) => Promise<void>) => async () => {
    const l = make();
    try {
      await fn(l);
    } finally {
      l.releaseLeases();
      done(l);
    }
  };
  const base = layerTar({ 'etc/': '', 'etc/hostname': 'box\n', 'bin/': '', 'bin/tool': 'x'.repeat(3000) });
  const top = layerTar({ 'etc/': '', 'etc/motd': 'hello\n' });

  test(
    `${name}: a base layer: chain ID = diff ID = sha256 of the tar; sizes of the files and the tar`,
    withLayers(async (l) => {
      const info = await l.register(chunks(base), null);
      assert.deepEqual(info, {
        chainId: sha256(base),
        diffId: sha256(base),
        parent: null,
        size: 4 + 3000,
        tarSize: base.length,
      });
      assert.deepEqual(l.get(info.chainId), info);
      assert.deepEqual(l.mustGet(info.chainId), info);
      assert.deepEqual(l.list(), [info]);
    }),
  );

  test(
    `${name}: a layer on a parent: chain ID sha256("<parent> <diff ID>"); stack is bottom-up`,
    withLayers(async (l) => {
      const b = await l.register(chunks(base), null);
      const t = await l.register(chunks(top), b.chainId);
      assert.equal(t.diffId, sha256(top));
      assert.equal(t.chainId, sha256(`${b.chainId} ${t.diffId}`));
      assert.equal(t.parent, b.chainId);
      assert.deepEqual(
        l.stack(t.chainId).map((x) => x.chainId),
        [b.chainId, t.chainId],
      );
      assert.deepEqual(l.stack(null), []);
      // the same tar on no parent is another layer
      const alone = await l.register(chunks(top), null);
      assert.equal(alone.chainId, sha256(top));
      assert.equal(l.list().length, 3);
      assert.equal(
        l.totalSize(),
        l.list().reduce((n, x) => n + x.size, 0),
        'the total is each layer counted once',
      );
    }),
  );

  test(
    `${name}: registering the same layer twice stores it once`,
    withLayers(async (l) => {
      const a = await l.register(chunks(base), null);
      const b = await l.register(chunks(base, 7), null);
      assert.deepEqual(a, b);
      assert.equal(l.list().length, 1);
    }),
  );

  test(
    `${name}: an expected diff ID is checked: a mismatch is invalid-argument and stores nothing`,
    withLayers(async (l) => {
      const ok = await l.register(chunks(base), null, { expectedDiffId: sha256(base) });
      assert.equal(ok.diffId, sha256(base));
      await assert.rejects(
        l.register(chunks(top), null, { expectedDiffId: sha256('other') }),
        (e: unknown) => isKind(e, 'invalid-argument') && /invalid diffID/.test((e as Error).message),
      );
      assert.equal(l.get(sha256(top)), undefined);
      assert.equal(l.list().length, 1);
    }),
  );

  test(
    `${name}: openTar gives back the tar as registered`,
    withLayers(async (l) => {
      const b = await l.register(chunks(base), null);
      const t = await l.register(chunks(top), b.chainId);
      assert.deepEqual(await collect(l.openTar(b.chainId)), base);
      assert.deepEqual(await collect(l.openTar(t.chainId)), top);
    }),
  );

  test(
    `${name}: a missing layer: get undefined, mustGet, stack and openTar not-found, lease false`,
    withLayers(async (l) => {
      const missing: Digest = sha256('no such layer');
      assert.equal(l.get(missing), undefined);
      assert.throws(
        () => l.mustGet(missing),
        (e: unknown) => isKind(e, 'not-found'),
      );
      assert.throws(
        () => l.stack(missing),
        (e: unknown) => isKind(e, 'not-found'),
      );
      await assert.rejects(
        async () => collect(l.openTar(missing)),
        (e: unknown) => isKind(e, 'not-found'),
      );
      assert.equal(l.lease(missing), false);
    }),
  );

  test(
    `${name}: gc keeps what is leased or referenced (with its parents) and removes the rest`,
    withLayers(async (l) => {
      const b = await l.register(chunks(base), null);
      const t = await l.register(chunks(top), b.chainId);
      const other = await l.register(chunks(top), null);
      assert.deepEqual(
        l.gc(() => []),
        [],
        'all leased by this process',
      );
      l.releaseLeases();
      const removed = l.gc(() => [t.chainId]);
      assert.deepEqual(removed, [other.chainId]);
      assert.deepEqual(
        l
          .list()
          .map((x) => x.chainId)
          .sort(),
        [b.chainId, t.chainId].sort(),
      );
      assert.equal(l.lease(b.chainId), true);
      assert.deepEqual(
        l.gc(() => []),
        [t.chainId],
        'the leased base stays, its child goes',
      );
      l.releaseLeases();
      assert.deepEqual(
        l.gc(() => []),
        [b.chainId],
      );
      assert.deepEqual(l.list(), []);
      assert.equal(l.get(b.chainId), undefined);
      // and a collected layer can come back
      const again = await l.register(chunks(base), null);
      assert.deepEqual(await collect(l.openTar(again.chainId)), base);
    }),
  );
}
