import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootlessSpec } from './spec';
import type { OciSpec } from '../runtime/spec';

const specWith = (network?: { type: string; path?: string }): OciSpec =>
  ({
    process: { env: [], oomScoreAdj: 0 },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: [] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] },
    ],
    linux: { namespaces: [{ type: 'mount' }, ...(network ? [network] : [])], sysctl: {}, cgroupsPath: '/x' },
  }) as unknown as OciSpec;

const sysOf = (s: OciSpec) => s.mounts.find((m) => m.destination === '/sys');

test('rootless: sysfs is mounted for a network namespace of the user, bound from the user for the host network', () => {
  const hostIs = (p: string) => p === '/proc/1/ns/net';
  // a new namespace, or the user's own (rootless bridge): sysfs as root has it
  assert.equal(sysOf(rootlessSpec(specWith({ type: 'network' }), { isHostNetns: hostIs }))?.type, 'sysfs');
  assert.equal(
    sysOf(rootlessSpec(specWith({ type: 'network', path: '/run/user/netns/rootless' }), { isHostNetns: hostIs }))?.type,
    'sysfs',
  );
  // --network host (no namespace of its own) and container:X where X is on the host network
  for (const s of [specWith(), specWith({ type: 'network', path: '/proc/1/ns/net' })]) {
    const out = rootlessSpec(s, { isHostNetns: hostIs });
    assert.deepEqual(
      out.linux.namespaces.map((n) => n.type),
      ['mount'],
    );
    const sys = sysOf(out);
    assert.equal(sys?.type, 'bind');
    assert.equal(sys?.source, '/sys');
    assert.ok(sys?.options?.includes('ro') && sys.options.includes('rbind'));
  }
});

test('rootless: no cgroup path unless delegated, no oom_score_adj', () => {
  const out = rootlessSpec(specWith({ type: 'network' }));
  assert.equal((out.linux as Partial<OciSpec['linux']>).cgroupsPath, undefined);
  assert.equal(out.process.oomScoreAdj, undefined);
  assert.equal(rootlessSpec(specWith(), { cgroupsPath: '/u/c' }).linux.cgroupsPath, '/u/c');
});
