import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPS, DEFAULT_CAPS, boundingCaps, normalizeCaps, tweakCapabilities } from './caps';
import { isKind } from '../errdefs';

test('default capabilities are Docker’s 14, in Docker’s order', () => {
  assert.equal(DEFAULT_CAPS.length, 14);
  assert.deepEqual(tweakCapabilities(), DEFAULT_CAPS);
  assert.equal(DEFAULT_CAPS[0], 'CAP_CHOWN');
  assert.equal(DEFAULT_CAPS.at(-1), 'CAP_AUDIT_WRITE');
  assert.ok(!DEFAULT_CAPS.includes('CAP_SYS_ADMIN'));
});

test('all capabilities known to runc 1.1.5, in kernel order', () => {
  assert.equal(ALL_CAPS.length, 41);
  assert.equal(ALL_CAPS[0], 'CAP_CHOWN');
  assert.equal(ALL_CAPS[21], 'CAP_SYS_ADMIN');
  assert.equal(ALL_CAPS[40], 'CAP_CHECKPOINT_RESTORE');
  for (const c of DEFAULT_CAPS) assert.ok(ALL_CAPS.includes(c), c);
});

test('cap names: case-insensitive, with or without CAP_, ALL kept', () => {
  assert.deepEqual(normalizeCaps(['net_admin', 'CAP_sys_time', 'all']), ['CAP_NET_ADMIN', 'CAP_SYS_TIME', 'ALL']);
});

test('--cap-add / --cap-drop', () => {
  const caps = tweakCapabilities(['sys_admin', 'CAP_NET_ADMIN'], ['chown', 'CAP_KILL']);
  assert.ok(caps.includes('CAP_SYS_ADMIN') && caps.includes('CAP_NET_ADMIN'));
  assert.ok(!caps.includes('CAP_CHOWN') && !caps.includes('CAP_KILL'));
  assert.equal(caps.length, 14);
  // drops come out, adds go at the end, in the order given
  assert.deepEqual(caps.slice(-2), ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN']);
  // adding a default cap does not duplicate it
  assert.deepEqual(tweakCapabilities(['chown'], []), DEFAULT_CAPS);
});

test('--cap-add ALL and --cap-drop ALL', () => {
  const all = tweakCapabilities(['ALL'], ['mknod']);
  assert.equal(all.length, 40);
  assert.ok(!all.includes('CAP_MKNOD'));
  assert.ok(all.includes('CAP_CHECKPOINT_RESTORE'));
  assert.deepEqual(tweakCapabilities(['net_bind_service'], ['all']), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(tweakCapabilities([], ['ALL']), []);
});

test('unknown capability: Docker’s wording, invalid argument', () => {
  assert.throws(
    () => tweakCapabilities(['foo'], []),
    (err: Error) => isKind(err, 'invalid-argument') && err.message === 'unknown capability: "CAP_FOO"',
  );
  assert.throws(() => tweakCapabilities([], ['CAP_BAR']), /unknown capability: "CAP_BAR"/);
});

test('privileged: every capability, add/drop ignored', () => {
  assert.deepEqual(tweakCapabilities(['foo'], ['ALL'], true), ALL_CAPS);
});

test('privileged and ALL are limited to the available set', () => {
  const available = ['CAP_CHOWN', 'CAP_SYS_ADMIN'];
  assert.deepEqual(tweakCapabilities([], [], true, available), available);
  assert.deepEqual(tweakCapabilities(['ALL'], ['sys_admin'], false, available), ['CAP_CHOWN']);
  // explicit names are still checked against every known cap, not the available ones
  assert.deepEqual(tweakCapabilities(['bpf'], ['ALL'], false, available), ['CAP_BPF']);
});

test('bounding set of this process: a subset of ALL_CAPS matching /proc/self/status', async () => {
  const fs = await import('node:fs');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
  const caps = boundingCaps();
  assert.ok(caps.length > 0 && caps.every((c) => ALL_CAPS.includes(c)));
  assert.equal(caps.includes('CAP_SYS_RESOURCE'), ((BigInt(`0x${hex}`) >> 24n) & 1n) === 1n);
});
