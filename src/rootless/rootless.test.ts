// Pure parts of rootless stowage: ID ranges, maps, the user's directories,
// privileged ports and the host forwards of published ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { idMap, mappedCount, parseIdMap, rangesFor } from './subids';
import { homeOf, rootlessDataDir, rootlessRunDir, userNameOf } from './paths';
import { mappedRoot } from './identity';
import { kernelRefusal, userMaps } from './userns';
import { checkUnprivilegedPorts, forwardsOf } from './network';
import { unifiedPath } from './cgroups';

test('subordinate ranges: by name or ID, in file order, bad lines skipped', () => {
  const text = '# comment\nalice:100000:65536\nbob:165536:65536\n1000:300000:10\nalice:x:5\nalice:400000:0\n';
  assert.deepEqual(rangesFor(text, 'alice', 1000), [
    { start: 100000, count: 65536 },
    { start: 300000, count: 10 },
  ]);
  assert.deepEqual(rangesFor(text, 'carol', 1002), []);
});

test("a namespace's map: the user is 0, its ranges follow from 1", () => {
  const map = idMap(1000, [
    { start: 100000, count: 65536 },
    { start: 300000, count: 10 },
  ]);
  assert.deepEqual(map, [
    [0, 1000, 1],
    [1, 100000, 65536],
    [65537, 300000, 10],
  ]);
  assert.equal(mappedCount(map), 65547);
  assert.deepEqual(parseIdMap('         0       1000          1\n         1     100000      65536\n'), [
    [0, 1000, 1],
    [1, 100000, 65536],
  ]);
});

test("who this process is, from its uid_map: the host's root or a user's namespace", () => {
  assert.equal(mappedRoot('         0          0 4294967295\n'), undefined);
  assert.equal(mappedRoot('         0       1000          1\n         1     100000      65536\n'), 1000);
  assert.equal(mappedRoot('         1       1000          1\n'), undefined);
});

test("the user's directories: XDG first, then the home, then /tmp for run state", () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n';
  assert.equal(
    rootlessDataDir({ XDG_DATA_HOME: '/x/data' }, 1000, () => passwd),
    '/x/data/stowage',
  );
  assert.equal(
    rootlessDataDir({ HOME: '/h' }, 1000, () => passwd),
    '/h/.local/share/stowage',
  );
  assert.equal(
    rootlessDataDir({ XDG_DATA_HOME: 'relative' }, 1000, () => passwd),
    '/home/alice/.local/share/stowage',
  );
  assert.throws(() => rootlessDataDir({}, 1001, () => passwd), /cannot find the home directory of user 1001/);
  assert.equal(rootlessRunDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/stowage');
  assert.equal(rootlessRunDir({}, 1000), '/tmp/stowage-run-1000');
  assert.equal(homeOf(passwd, 1000), '/home/alice');
  assert.equal(userNameOf(passwd, 1000), 'alice');
  assert.equal(userNameOf(passwd, 7), undefined);
});

test('no subordinate IDs: the error names the files and the fix', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-subids-'));
  try {
    const files = {
      passwd: path.join(dir, 'passwd'),
      subuid: path.join(dir, 'subuid'),
      subgid: path.join(dir, 'subgid'),
    };
    fs.writeFileSync(files.passwd, 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    fs.writeFileSync(files.subuid, 'alice:100000:65536\n');
    fs.writeFileSync(files.subgid, '');
    assert.throws(
      () => userMaps(1000, 1000, files),
      (e: Error) =>
        e.message.startsWith(`no subordinate group IDs for user alice in ${files.subgid}:`) &&
        e.message.includes('scripts/setup.sh --rootless-user alice'),
    );
    fs.writeFileSync(files.subgid, '1000:200000:65536\n');
    assert.deepEqual(userMaps(1000, 1000, files), {
      user: 'alice',
      uidMap: [
        [0, 1000, 1],
        [1, 100000, 65536],
      ],
      gidMap: [
        [0, 1000, 1],
        [1, 200000, 65536],
      ],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('privileged host ports are refused with the sysctl that allows them', () => {
  assert.throws(
    () => checkUnprivilegedPorts({ '80/tcp': [{ HostIp: '', HostPort: '80' }] }, 1024),
    /cannot expose privileged port 80 in rootless mode: choose a host port >= 1024, or as root: sysctl -w net.ipv4.ip_unprivileged_port_start=80/,
  );
  checkUnprivilegedPorts({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, 1024);
  checkUnprivilegedPorts({ '80/tcp': [{ HostIp: '', HostPort: '80' }] }, 80);
  checkUnprivilegedPorts({ '80/tcp': [{ HostIp: '', HostPort: '' }] }, 1024); // a port the kernel picks
});

test('published ports become slirp4netns host forwards on their address', () => {
  assert.deepEqual(
    forwardsOf({
      '80/tcp': [
        { HostIp: '127.0.0.1', HostPort: '8080' },
        { HostIp: '', HostPort: '8081' },
      ],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
    }),
    [
      { proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 8080 },
      { proto: 'tcp', hostAddr: '0.0.0.0', hostPort: 8081, guestPort: 8081 },
      { proto: 'udp', hostAddr: '0.0.0.0', hostPort: 5353, guestPort: 5353 },
    ],
  );
  assert.throws(
    () => forwardsOf({ '80/sctp': [{ HostIp: '', HostPort: '8080' }] }),
    /sctp ports cannot be published in rootless mode/,
  );
});

test('the cgroup v2 path of a process, none on v1', () => {
  assert.equal(
    unifiedPath('0::/user.slice/user-1000.slice/session-1.scope\n'),
    '/user.slice/user-1000.slice/session-1.scope',
  );
  assert.equal(unifiedPath('12:pids:/\n11:memory:/\n0::/\n'), undefined);
});

test('a kernel that refuses unprivileged user namespaces is named with the sysctl that allows them', () => {
  const sysctls = (values: Record<string, string>) => (f: string) => values[f] ?? '';
  assert.equal(kernelRefusal(sysctls({ '/proc/sys/user/max_user_namespaces': '15000\n' })), undefined);
  assert.match(
    kernelRefusal(sysctls({ '/proc/sys/user/max_user_namespaces': '0\n' }))!,
    /user.max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=15000/,
  );
  assert.match(
    kernelRefusal(sysctls({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }))!,
    /sysctl -w kernel.unprivileged_userns_clone=1/,
  );
  assert.match(
    kernelRefusal(sysctls({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1' }))!,
    /AppArmor restricts unprivileged user namespaces/,
  );
  // this machine allows them (the integration tests run as ordinary users)
  assert.equal(kernelRefusal(), undefined);
});
