// The behaviour every Blobs implementation owes the services, as containerd's
// content store test suite: run against BlobStore on a temporary directory and
// against FakeBlobs (blobs.contract.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, type Digest } from '../digest';
import { isKind } from '../errdefs';
import type { Blobs } from './blobs';

/** `make` gives a fresh, empty store per test; `done` (if given) disposes of it. */
export function blobsContract(name: string, make: () => Blobs, done: (b: Blobs) => void = () => {}): void {
  const withBlobs = (fn: (b: Blobs) => void) => () => {
    const b = make();
    try {
      fn(b);
    } finally {
      done(b);
    }
  };

  test(
    `${name}: put returns the sha256 of the bytes; get gives them back; has says so`,
    withBlobs((b) => {
      const data = Buffer.from('{"architecture":"amd64"}');
      const d = b.put(data);
      assert.equal(d, sha256(data));
      assert.ok(b.has(d));
      assert.deepEqual(b.get(d), data);
    }),
  );

  test(
    `${name}: putting the same bytes twice keeps one blob, same digest`,
    withBlobs((b) => {
      const data = Buffer.from('same');
      assert.equal(b.put(data), b.put(data));
      b.delete(sha256(data));
      assert.ok(!b.has(sha256(data)), 'one delete removes it');
    }),
  );

  test(
    `${name}: an expected digest is checked; a mismatch is invalid-argument and stores nothing`,
    withBlobs((b) => {
      const data = Buffer.from('payload');
      assert.equal(b.put(data, sha256(data)), sha256(data));
      const other = Buffer.from('other');
      assert.throws(
        () => b.put(other, sha256('something else')),
        (e: unknown) => isKind(e, 'invalid-argument') && /digest mismatch/.test((e as Error).message),
      );
      assert.ok(!b.has(sha256(other)));
    }),
  );

  test(
    `${name}: a missing blob is not-found for get, false for has; delete of it is no error`,
    withBlobs((b) => {
      const missing: Digest = sha256('never stored');
      assert.ok(!b.has(missing));
      assert.throws(
        () => b.get(missing),
        (e: unknown) => isKind(e, 'not-found'),
      );
      b.delete(missing);
    }),
  );

  test(
    `${name}: delete removes only that blob`,
    withBlobs((b) => {
      const one = b.put(Buffer.from('one'));
      const two = b.put(Buffer.from('two'));
      b.delete(one);
      assert.ok(!b.has(one));
      assert.throws(
        () => b.get(one),
        (e: unknown) => isKind(e, 'not-found'),
      );
      assert.deepEqual(b.get(two), Buffer.from('two'));
    }),
  );

  test(
    `${name}: what get returns is a copy: changing it does not change the stored blob`,
    withBlobs((b) => {
      const d = b.put(Buffer.from('immutable'));
      b.get(d).fill(0);
      assert.deepEqual(b.get(d), Buffer.from('immutable'));
    }),
  );

  test(
    `${name}: empty and binary blobs`,
    withBlobs((b) => {
      const empty = b.put(Buffer.alloc(0));
      assert.equal(empty, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      assert.equal(b.get(empty).length, 0);
      const bin = Buffer.from([0, 255, 10, 13, 0]);
      assert.deepEqual(b.get(b.put(bin)), bin);
    }),
  );
}
