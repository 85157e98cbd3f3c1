import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerAlias, parseOwnerAlias, type BridgeOwner } from './owners';

const owner: BridgeOwner = {
  store: '0123456789abcdef',
  network: 'a'.repeat(64),
  root: '/var/lib/stowage',
  runroot: '/run/stowage',
};

test('the owner alias: written and read back, within IFALIASZ', () => {
  const alias = ownerAlias(owner)!;
  assert.equal(
    alias,
    `stowage {"s":"0123456789abcdef","n":"${'a'.repeat(64)}","r":"/var/lib/stowage","u":"/run/stowage"}`,
  );
  assert.deepEqual(parseOwnerAlias(alias), owner);
  const spaced = { ...owner, root: '/tmp/a "quoted" dir/root' };
  assert.deepEqual(parseOwnerAlias(ownerAlias(spaced)!), spaced);
});

test('long paths: the run root is left out, then the alias altogether', () => {
  const longRun = { ...owner, runroot: `/${'r'.repeat(150)}` };
  const alias = ownerAlias(longRun)!;
  assert.ok(Buffer.byteLength(alias) <= 255);
  assert.deepEqual(parseOwnerAlias(alias), { store: owner.store, network: owner.network, root: owner.root });
  assert.equal(ownerAlias({ ...owner, root: `/${'x'.repeat(200)}` }), undefined);
});

test('aliases that are not stowage owners are ignored', () => {
  for (const text of [
    '',
    'uplink to the lab',
    'stowage {',
    'stowage {"s":"xyz","n":"a","r":"/x"}',
    'stowage {"s":"0123456789abcdef","n":"a","r":"relative"}',
  ]) {
    assert.equal(parseOwnerAlias(text), undefined, text);
  }
});
