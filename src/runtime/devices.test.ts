import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDeviceRules, hostDevices } from './devices';

test('host devices: /dev/null is char 1:3; pts and console are skipped', () => {
  const devs = hostDevices();
  const nul = devs.find((d) => d.path === '/dev/null');
  assert.ok(nul, 'found /dev/null');
  assert.equal(nul.type, 'c');
  assert.equal(nul.major, 1);
  assert.equal(nul.minor, 3);
  assert.equal(nul.fileMode, 0o666);
  assert.ok(!devs.some((d) => d.path.startsWith('/dev/pts/') || d.path === '/dev/console'));
});

test('default rules: deny everything first; no deny after a wildcard allow (runc cgroup v1 rejects it)', () => {
  const rules = defaultDeviceRules();
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  const fuse = rules.findIndex((r) => !r.allow && r.major === 10 && r.minor === 229);
  const firstWildcard = rules.findIndex((r, i) => i > 0 && r.allow && (r.major === undefined || r.minor === undefined));
  assert.ok(fuse > 0 && firstWildcard > fuse, `fuse deny at ${fuse}, first wildcard at ${firstWildcard}`);
});
