import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseMapping, keepIdMappings, keepIdSpec } from './keep-id';
import type { OciSpec } from '../runtime/spec';

test('keep-id maps the user to itself, the IDs below it one up, the rest as they are', () => {
  // the user's namespace: 0 = the user (host 1000), 1..65536 = its subordinate range
  assert.deepEqual(keepIdMappings(1000, 65537), [
    { containerID: 0, hostID: 1, size: 1000 },
    { containerID: 1000, hostID: 0, size: 1 },
    { containerID: 1001, hostID: 1001, size: 64536 },
  ]);
  assert.equal(fuseMapping(keepIdMappings(1000, 65537)), '0:1:1000:1000:0:1:1001:1001:64536');
  // every ID of the namespace is used exactly once
  const maps = keepIdMappings(1000, 65537);
  assert.equal(
    maps.reduce((n, m) => n + m.size, 0),
    65537,
  );
});

test('keep-id of an ID past the namespace range keeps it, and the rest shifted', () => {
  assert.deepEqual(keepIdMappings(70000, 65537), [
    { containerID: 0, hostID: 1, size: 65536 },
    { containerID: 70000, hostID: 0, size: 1 },
  ]);
  // a namespace of the user alone
  assert.deepEqual(keepIdMappings(1000, 1), [{ containerID: 1000, hostID: 0, size: 1 }]);
});

test('the keep-id spec has its own user namespace, /sys bound, no cgroup mount, no network sysctls', () => {
  const spec = {
    process: { env: [] },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: [] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] },
    ],
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'network', path: '/run/x' }],
      sysctl: { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 0', 'kernel.x': '1' },
    },
  } as unknown as OciSpec;
  const k = {
    uid: 1000,
    gid: 1000,
    uidMappings: keepIdMappings(1000, 65537),
    gidMappings: keepIdMappings(1000, 65537),
  };
  const out = keepIdSpec(spec, k) as OciSpec & { linux: { uidMappings: unknown } };
  assert.deepEqual(
    out.linux.namespaces.map((n) => n.type),
    ['mount', 'network', 'user'],
  );
  assert.deepEqual(out.linux.uidMappings, k.uidMappings);
  assert.deepEqual(
    out.mounts.map((m) => `${m.destination} ${m.type}`),
    ['/proc proc', '/sys bind'],
  );
  assert.ok(out.mounts[1].options?.includes('ro'));
  assert.deepEqual(out.linux.sysctl, { 'kernel.x': '1' });
});
