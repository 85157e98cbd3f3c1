// The behaviour every ImageRecords implementation owes the services: run against
// ImageStore on a temporary SQLite database and against FakeImageRecords
// (records.contract.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Blobs } from '../content/blobs';
import type { Digest } from '../digest';
import { isKind } from '../errdefs';
import type { ImageRecords } from './records';

export interface ImageRecordsUnderTest {
  images: ImageRecords;
  /** where `load` finds configs */
  blobs: Blobs;
}

export function imageRecordsContract(
  name: string,
  make: () => ImageRecordsUnderTest,
  done: (s: ImageRecordsUnderTest) => void = () => {},
): void {
  const withStore = (fn: (s: ImageRecordsUnderTest) => void) => () => {
    const s = make();
    try {
      fn(s);
    } finally {
      done(s);
    }
  };
  /** An image whose config is stored, as commitImage stores one. */
  const image = (s: ImageRecordsUnderTest, tag: string, parent: Digest | null = null): Digest => {
    const id = s.blobs.put(Buffer.from(JSON.stringify({ os: 'linux', config: { Labels: { tag } } })));
    s.images.add({ id, topLayer: null, parent, size: 42, addedAt: 1000 });
    return id;
  };

  test(
    `${name}: add, get, list, load (the config from the blobs)`,
    withStore((s) => {
      const id = image(s, 'a');
      assert.deepEqual(s.images.get(id), {
        id,
        topLayer: null,
        parent: null,
        size: 42,
        addedAt: 1000,
        lastTagTime: null,
      });
      assert.deepEqual(
        s.images.list().map((r) => r.id),
        [id],
      );
      const loaded = s.images.load(id);
      assert.equal(loaded.record.id, id);
      assert.deepEqual(loaded.config.config?.Labels, { tag: 'a' });
      assert.deepEqual(loaded.raw, s.blobs.get(id));
      const listed = s.images.withConfig(s.images.list()[0]);
      assert.deepEqual([listed.record, listed.raw, listed.config], [loaded.record, loaded.raw, loaded.config]);
      listed.config.config = {}; // each load parses anew: what one caller changes, the next does not see
      assert.deepEqual(s.images.load(id).config.config?.Labels, { tag: 'a' });
    }),
  );

  test(
    `${name}: adding an existing ID keeps the first record`,
    withStore((s) => {
      const id = image(s, 'a');
      s.images.add({ id, topLayer: null, parent: null, size: 7, addedAt: 2000 });
      assert.equal(s.images.get(id)?.size, 42);
      assert.equal(s.images.list().length, 1);
    }),
  );

  test(
    `${name}: a missing image: get undefined, load not-found`,
    withStore((s) => {
      const id: Digest = `sha256:${'0'.repeat(64)}`;
      assert.equal(s.images.get(id), undefined);
      assert.throws(
        () => s.images.load(id),
        (e: unknown) => isKind(e, 'not-found'),
      );
    }),
  );

  test(
    `${name}: byPrefix matches the hex after sha256:, any length`,
    withStore((s) => {
      const a = image(s, 'a');
      const b = image(s, 'b');
      assert.deepEqual(s.images.byPrefix(a.slice(7, 19)), [a]);
      assert.deepEqual(s.images.byPrefix(a.slice(7)), [a]);
      assert.deepEqual(s.images.byPrefix('sha256'), []);
      assert.deepEqual(s.images.byPrefix('').sort(), [a, b].sort());
    }),
  );

  test(
    `${name}: children are the images whose parent it is`,
    withStore((s) => {
      const base = image(s, 'base');
      const c1 = image(s, 'c1', base);
      const c2 = image(s, 'c2', base);
      image(s, 'grandchild', c1);
      assert.deepEqual(s.images.children(base).sort(), [c1, c2].sort());
      assert.deepEqual(s.images.children(c2), []);
    }),
  );

  test(
    `${name}: setRef points a name at an image, returns the one it took it from; lastTagTime for tags only`,
    withStore((s) => {
      const a = image(s, 'a');
      const b = image(s, 'b');
      const tag = 'docker.io/library/x:latest';
      assert.equal(s.images.setRef(tag, a), undefined);
      assert.equal(s.images.resolveRef(tag), a);
      assert.ok(s.images.get(a)?.lastTagTime, 'a tag sets lastTagTime');
      assert.equal(s.images.setRef(tag, a), undefined, 'the same image again: nothing taken');
      assert.equal(s.images.setRef(tag, b), a, 'moved from a');
      assert.equal(s.images.resolveRef(tag), b);
      assert.deepEqual(s.images.refsOf(a), []);
      const dig = `docker.io/library/x@sha256:${'1'.repeat(64)}`;
      s.images.setRef(dig, a, true);
      assert.deepEqual(s.images.refsOf(a), [{ name: dig, isDigest: true }]);
      const c = image(s, 'c');
      s.images.setRef(`docker.io/library/c@sha256:${'2'.repeat(64)}`, c, true);
      assert.equal(s.images.get(c)?.lastTagTime, null, 'a digest reference leaves lastTagTime');
    }),
  );

  test(
    `${name}: refsOf sorted by name; allRefs lists every reference with its image`,
    withStore((s) => {
      const a = image(s, 'a');
      const b = image(s, 'b');
      s.images.setRef('docker.io/library/zeta:1', a);
      s.images.setRef('docker.io/library/alpha:1', a);
      s.images.setRef('docker.io/library/beta:1', b);
      assert.deepEqual(
        s.images.refsOf(a).map((r) => r.name),
        ['docker.io/library/alpha:1', 'docker.io/library/zeta:1'],
      );
      assert.deepEqual(
        s.images
          .allRefs()
          .map((r) => `${r.name}=${r.imageId === a ? 'a' : 'b'}:${r.isDigest}`)
          .sort(),
        ['docker.io/library/alpha:1=a:false', 'docker.io/library/beta:1=b:false', 'docker.io/library/zeta:1=a:false'],
      );
    }),
  );

  test(
    `${name}: deleteRef removes one name; delete removes the image and all its references`,
    withStore((s) => {
      const a = image(s, 'a');
      const b = image(s, 'b');
      s.images.setRef('docker.io/library/a:1', a);
      s.images.setRef('docker.io/library/a:2', a);
      s.images.setRef('docker.io/library/b:1', b);
      s.images.deleteRef('docker.io/library/a:1');
      assert.equal(s.images.resolveRef('docker.io/library/a:1'), undefined);
      assert.equal(s.images.resolveRef('docker.io/library/a:2'), a);
      s.images.deleteRef('docker.io/library/never');
      s.images.delete(a);
      assert.equal(s.images.get(a), undefined);
      assert.equal(s.images.resolveRef('docker.io/library/a:2'), undefined);
      assert.deepEqual(
        s.images.allRefs().map((r) => r.name),
        ['docker.io/library/b:1'],
      );
      assert.deepEqual(
        s.images.list().map((r) => r.id),
        [b],
      );
    }),
  );

  test(
    `${name}: a reference to an image that is not recorded is refused`,
    withStore((s) => {
      assert.throws(() => s.images.setRef('docker.io/library/x:1', `sha256:${'3'.repeat(64)}`));
      assert.equal(s.images.resolveRef('docker.io/library/x:1'), undefined);
    }),
  );
}
