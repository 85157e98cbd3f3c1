import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSpec, containerArgs, containerEnv, DEFAULT_PATH, specJson, type SpecInput } from './spec';
import { ALL_CAPS, DEFAULT_CAPS, boundingCaps } from './caps';
import { isKind } from '../errdefs';

const ID = 'a1b2c3d4e5f6'.padEnd(64, '0');
let tmp: string;
let rootfs: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-spec-'));
  rootfs = path.join(tmp, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:root\nwheel:x:10:root\nwww:x:33:\n');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = (over: Partial<SpecInput> = {}) =>
  buildSpec({ id: ID, rootfs, image: { Cmd: ['sh'] }, hostRlimits: { nofile: 20000 }, ...over });

// ---- command line -----------------------------------------------------------

test('args: image ENTRYPOINT + CMD; run args replace CMD only', () => {
  const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port=80'] };
  assert.deepEqual(containerArgs(image), ['/entry.sh', 'serve', '--port=80']);
  assert.deepEqual(containerArgs(image, []), ['/entry.sh', 'serve', '--port=80']);
  assert.deepEqual(containerArgs(image, ['shell']), ['/entry.sh', 'shell']);
  assert.deepEqual(containerArgs({ Cmd: ['sh', '-c', 'x'] }, ['ls', '-l']), ['ls', '-l']);
});

test('args: --entrypoint drops the image CMD; "" resets the entrypoint', () => {
  const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve'] };
  assert.deepEqual(containerArgs(image, undefined, '/bin/sh'), ['/bin/sh']);
  assert.deepEqual(containerArgs(image, ['-c', 'id'], '/bin/sh'), ['/bin/sh', '-c', 'id']);
  assert.deepEqual(containerArgs(image, ['ls', '/'], ''), ['ls', '/']);
  assert.deepEqual(containerArgs({ Entrypoint: [''], Cmd: ['top'] }), ['top']);
});

test('args: nothing to run is an invalid argument', () => {
  const check = (err: Error) => isKind(err, 'invalid-argument') && err.message === 'no command specified';
  assert.throws(() => containerArgs({}), check);
  assert.throws(() => containerArgs({ Entrypoint: ['/e'], Cmd: ['c'] }, [], ''), check);
  assert.throws(() => containerArgs({ Entrypoint: null, Cmd: null }), check);
});

test('init: /sbin/docker-init -- argv, bound read-only', () => {
  const s = spec({ init: '/usr/bin/tini', image: { Entrypoint: ['/e'], Cmd: ['a'] } });
  assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', '/e', 'a']);
  const m = s.mounts.find((x) => x.destination === '/sbin/docker-init');
  assert.deepEqual(m, {
    destination: '/sbin/docker-init',
    type: 'bind',
    source: '/usr/bin/tini',
    options: ['bind', 'ro'],
  });
  assert.ok(!spec().mounts.some((x) => x.destination === '/sbin/docker-init'));
});

// ---- environment -------------------------------------------------------------

test('env: PATH default, HOSTNAME, TERM with a tty', () => {
  assert.deepEqual(containerEnv({ hostname: 'h1' }), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1']);
  assert.deepEqual(containerEnv({ hostname: 'h1', tty: true }), [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h1', 'TERM=xterm']);
  // the image's PATH replaces the default in place
  assert.deepEqual(containerEnv({ hostname: 'h', imageEnv: ['PATH=/opt/bin', 'A=1'] }), [
    'PATH=/opt/bin',
    'HOSTNAME=h',
    'A=1',
  ]);
});

test('env: -e overrides the image by key; user values come before the image’s', () => {
  const env = containerEnv({
    hostname: 'h',
    imageEnv: ['A=image', 'B=image', 'TERM=vt100'],
    env: ['B=user', 'C=user', 'C=later'],
    tty: true,
  });
  assert.deepEqual(env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'TERM=vt100', 'B=user', 'C=later', 'A=image']);
});

test('env: bare KEY from the host; unset on the host it unsets the key', () => {
  const hostEnv = { FROM_HOST: 'yes' };
  const env = containerEnv({
    hostname: 'h',
    imageEnv: ['GONE=image', 'KEPT=1'],
    env: ['FROM_HOST', 'GONE', 'HOSTNAME'],
    hostEnv,
  });
  assert.deepEqual(env, [`PATH=${DEFAULT_PATH}`, 'FROM_HOST=yes', 'KEPT=1']);
  assert.throws(() => containerEnv({ hostname: 'h', env: ['=x'] }), /invalid environment variable: =x/);
});

test('env and hostname in the spec', () => {
  const s = spec({ image: { Cmd: ['sh'], Env: ['X=1'] }, env: ['Y=2'] });
  assert.equal(s.hostname, ID.slice(0, 12));
  assert.deepEqual(s.process.env, [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${ID.slice(0, 12)}`, 'Y=2', 'X=1']);
  assert.equal(spec({ hostname: 'web' }).hostname, 'web');
  assert.equal(spec({ netns: 'host' }).hostname, os.hostname());
});

// ---- process -------------------------------------------------------------------

test('user, cwd, caps of root and non-root', () => {
  const s = spec();
  assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0, 10] });
  assert.equal(s.process.cwd, '/');
  assert.deepEqual(s.process.capabilities, {
    bounding: DEFAULT_CAPS,
    effective: DEFAULT_CAPS,
    permitted: DEFAULT_CAPS,
  });
  const web = spec({ image: { Cmd: ['sh'], User: 'web', WorkingDir: '/srv' } });
  assert.deepEqual(web.process.user, { uid: 33, gid: 33, additionalGids: [33] });
  assert.equal(web.process.cwd, '/srv');
  assert.deepEqual(web.process.capabilities, { bounding: DEFAULT_CAPS }); // as execve: no effective caps
  const flags = spec({ image: { Cmd: ['sh'], User: 'web', WorkingDir: '/srv' }, user: '0', workdir: '/tmp' });
  assert.equal(flags.process.user.uid, 0);
  assert.equal(flags.process.cwd, '/tmp');
  assert.throws(
    () => spec({ workdir: 'rel' }),
    /the working directory 'rel' is invalid, it needs to be an absolute path/,
  );
  assert.throws(() => spec({ user: 'ghost' }), /unable to find user ghost/);
});

test('cap add/drop reach the spec', () => {
  const s = spec({ capAdd: ['SYS_ADMIN'], capDrop: ['net_raw'] });
  assert.ok(s.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(!s.process.capabilities.effective!.includes('CAP_NET_RAW'));
  assert.throws(() => spec({ capAdd: ['CAP_FOO'] }), /unknown capability: "CAP_FOO"/);
});

test('terminal, noNewPrivileges, rlimits, version, labels, cgroups path', () => {
  const s = spec({ tty: true, noNewPrivileges: true, labels: { a: 'b' } });
  assert.equal(s.ociVersion, '1.0.2-dev');
  assert.equal(s.process.terminal, true);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(spec().process.noNewPrivileges, undefined);
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  assert.deepEqual(spec({ hostRlimits: { nofile: 4_000_000 } }).process.rlimits![0].hard, 1048576);
  assert.deepEqual(s.annotations, { a: 'b' });
  assert.equal(spec().annotations, undefined);
  assert.equal(s.linux.cgroupsPath, `/stowage/${ID}`);
  assert.equal(spec({ cgroupsPath: '/x/y' }).linux.cgroupsPath, '/x/y');
  assert.deepEqual(s.root, { path: rootfs });
  assert.deepEqual(spec({ readOnly: true }).root, { path: rootfs, readonly: true });
  // the rlimit read from this process never exceeds its hard limit
  const own = buildSpec({ id: ID, rootfs, image: { Cmd: ['sh'] } }).process.rlimits![0].hard;
  assert.ok(own > 0 && own <= 1048576);
});

// ---- mounts, namespaces, paths -------------------------------------------------

test('default mounts, masked and read-only paths', () => {
  const s = spec();
  assert.deepEqual(
    s.mounts.map((m) => m.destination),
    ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm'],
  );
  assert.deepEqual(
    s.mounts.find((m) => m.destination === '/dev/shm'),
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'],
    },
  );
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options.includes('ro'));
  assert.ok(s.mounts.find((m) => m.destination === '/sys/fs/cgroup')!.options.includes('ro'));
  assert.equal(s.linux.maskedPaths!.length, 12);
  assert.ok(s.linux.maskedPaths!.includes('/proc/kcore') && s.linux.maskedPaths!.includes('/sys/firmware'));
  assert.deepEqual(s.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

test('user mounts: appended parents first, replace defaults, /dev replaces all under it', () => {
  const bind = (destination: string, source = '/src') => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rw'],
  });
  const s = spec({
    mounts: [bind('/data/sub'), bind('/dev/shm/'), bind('/data'), bind('/etc/hosts')],
    shmSize: 1 << 20,
  });
  const dests = s.mounts.map((m) => m.destination);
  assert.deepEqual(dests.slice(0, 6), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue']);
  // by depth, stable: equal depths keep the caller's order
  assert.deepEqual(dests.slice(6), ['/data', '/data/sub', '/dev/shm/', '/etc/hosts']);
  assert.equal(s.mounts.filter((m) => m.destination.startsWith('/dev/shm')).length, 1);
  const dev = spec({ mounts: [bind('/dev')] }).mounts.map((m) => m.destination);
  assert.deepEqual(dev, ['/proc', '/sys', '/sys/fs/cgroup', '/dev']);
  assert.ok(
    spec({ shmSize: 1 << 20 })
      .mounts.at(-1)!
      .options.includes('size=1048576'),
  );
});

test('read-only rootfs leaves the kernel filesystems and user mounts alone', () => {
  const s = spec({ readOnly: true, mounts: [{ destination: '/w', type: 'bind', source: '/x', options: ['rbind'] }] });
  assert.ok(!s.mounts.find((m) => m.destination === '/proc')!.options.includes('ro'));
  assert.ok(!s.mounts.find((m) => m.destination === '/dev/shm')!.options.includes('ro'));
  assert.deepEqual(s.mounts.find((m) => m.destination === '/w')!.options, ['rbind']);
});

test('namespaces and network sysctls', () => {
  const types = (s: ReturnType<typeof spec>) => s.linux.namespaces.map((n) => n.type);
  const s = spec({ sysctls: { 'net.core.somaxconn': '1024', 'net.ipv4.ip_unprivileged_port_start': '80' } });
  assert.deepEqual(types(s), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.equal(s.linux.sysctl['net.ipv4.ping_group_range'], '0 2147483647');
  assert.equal(s.linux.sysctl['net.core.somaxconn'], '1024');
  assert.equal(s.linux.sysctl['net.ipv4.ip_unprivileged_port_start'], '80'); // the user's value wins
  const host = spec({ netns: 'host' });
  assert.deepEqual(types(host), ['mount', 'uts', 'pid', 'ipc']);
  assert.equal(host.linux.sysctl['net.ipv4.ping_group_range'], undefined);
  const joined = spec({ netns: '/run/netns/c1', domainname: 'example.org' });
  assert.deepEqual(joined.linux.namespaces[1], { type: 'network', path: '/run/netns/c1' });
  assert.equal(joined.linux.sysctl['kernel.domainname'], 'example.org');
  assert.equal(joined.linux.sysctl['net.ipv4.ping_group_range'], '0 2147483647'); // its own, made by the network code
  // another container's (--network container:X, perhaps the host's): no network sysctls, as Docker
  const peer = spec({ netns: '/proc/42/ns/net', joinsNetns: true });
  assert.equal(peer.linux.sysctl['net.ipv4.ping_group_range'], undefined);
  assert.equal(peer.linux.sysctl['net.ipv4.ip_unprivileged_port_start'], undefined);
});

test('device cgroup: deny all, allow the standard nodes and mknod', () => {
  const rules = spec().linux.resources.devices;
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  const allowed = rules.filter((r) => r.allow).map((r) => `${r.type} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access}`);
  for (const r of [
    'c *:* m',
    'b *:* m',
    'c 1:3 rwm',
    'c 1:5 rwm',
    'c 1:7 rwm',
    'c 1:8 rwm',
    'c 1:9 rwm',
    'c 5:0 rwm',
    'c 5:1 rwm',
    'c 5:2 rwm',
    'c 136:* rwm',
  ]) {
    assert.ok(allowed.includes(r), r);
  }
  assert.equal(allowed.length, 11);
  assert.deepEqual(spec().linux.devices, []);
});

test('privileged: all caps, no masking, writable /sys and cgroup, all devices', () => {
  const dev = { path: '/dev/sda', type: 'b' as const, major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
  const s = spec({ privileged: true, hostDevices: [dev], capDrop: ['ALL'], hostCaps: ALL_CAPS });
  assert.deepEqual(s.process.capabilities.bounding, ALL_CAPS);
  assert.ok(s.process.capabilities.effective!.includes('CAP_CHECKPOINT_RESTORE'));
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.linux.readonlyPaths, undefined);
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options.includes('ro'));
  assert.ok(!s.mounts.find((m) => m.destination === '/sys/fs/cgroup')!.options.includes('ro'));
  assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.deepEqual(s.linux.devices, [dev]);
  // by default "all" is what this process can hand out (its bounding set)
  assert.deepEqual(spec({ privileged: true, hostDevices: [] }).process.capabilities.bounding, boundingCaps());
  assert.deepEqual(
    spec({ capAdd: ['all'], capDrop: ['chown'], hostCaps: ['CAP_CHOWN', 'CAP_BPF'] }).process.capabilities.bounding,
    ['CAP_BPF'],
  );
});

// ---- resources -----------------------------------------------------------------

test('memory, swap, cpus, pids', () => {
  const MiB = 1024 * 1024;
  assert.deepEqual(spec({ memory: 64 * MiB }).linux.resources.memory, { limit: 64 * MiB, swap: 128 * MiB });
  assert.deepEqual(spec({ memory: 64 * MiB, memorySwap: 100 * MiB }).linux.resources.memory, {
    limit: 64 * MiB,
    swap: 100 * MiB,
  });
  assert.deepEqual(spec({ memory: 64 * MiB, memorySwap: -1 }).linux.resources.memory, { limit: 64 * MiB });
  assert.equal(spec().linux.resources.memory, undefined);
  assert.throws(() => spec({ memory: 4 * MiB }), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => spec({ memory: 64 * MiB, memorySwap: 32 * MiB }), /Minimum memoryswap limit should be larger/);
  assert.throws(() => spec({ memorySwap: 32 * MiB }), /You should always set the Memory limit/);

  assert.deepEqual(spec({ cpus: 0.5 }).linux.resources.cpu, { quota: 50000, period: 100000 });
  assert.equal(spec().linux.resources.cpu, undefined);
  const n = os.availableParallelism();
  assert.throws(() => spec({ cpus: n + 1 }), new RegExp(`Range of CPUs is from 0.01 to ${n}.00`));

  assert.deepEqual(spec({ pidsLimit: 100 }).linux.resources.pids, { limit: 100 });
  assert.deepEqual(spec({ pidsLimit: 0 }).linux.resources.pids, { limit: -1 });
  assert.equal(spec().linux.resources.pids, undefined);
});

test('--ulimit values replace the default of their kind; -1 is RLIM_INFINITY in the JSON runc reads', () => {
  const s = spec({
    ulimits: [
      { Name: 'nofile', Hard: 200, Soft: 100 },
      { Name: 'core', Hard: -1, Soft: -1 },
    ],
  });
  assert.deepEqual(
    s.process.rlimits!.map((r) => r.type),
    ['RLIMIT_NOFILE', 'RLIMIT_CORE'],
  );
  assert.deepEqual(s.process.rlimits![0], { type: 'RLIMIT_NOFILE', hard: 200, soft: 100 });
  const json = specJson(s);
  assert.match(json, /\{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615\}/);
  // read back (an exec's process), the number is past 2^53 and is written the same again
  assert.equal(specJson(JSON.parse(json)), json);
});
