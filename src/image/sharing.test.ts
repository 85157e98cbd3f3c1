import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../digest';
import { layerUsers, sharedSizes } from './sharing';

const id = (c: string): Digest => `sha256:${c.repeat(64)}`;

test('shared bytes are those of layers another image uses too; unique the rest', () => {
  const base = { chainId: id('b'), size: 1000 };
  const images = [
    { id: id('1'), layers: [base, { chainId: id('x'), size: 10 }] },
    { id: id('2'), layers: [base, { chainId: id('y'), size: 20 }] },
    { id: id('3'), layers: [{ chainId: id('z'), size: 5 }] },
  ];
  const s = sharedSizes(images);
  assert.deepEqual(s.get(id('1')), { size: 1010, shared: 1000, unique: 10 });
  assert.deepEqual(s.get(id('2')), { size: 1020, shared: 1000, unique: 20 });
  assert.deepEqual(s.get(id('3')), { size: 5, shared: 0, unique: 5 });
  assert.deepEqual(layerUsers(images).get(id('b')), [id('1'), id('2')]);
});

test("an image whose whole stack is another image's base shares all of it", () => {
  const base = { chainId: id('b'), size: 1000 };
  const s = sharedSizes([
    { id: id('1'), layers: [base] },
    { id: id('2'), layers: [base, { chainId: id('c'), size: 1 }] },
  ]);
  assert.deepEqual(s.get(id('1')), { size: 1000, shared: 1000, unique: 0 });
});
