// The run/create options compose and the SDKs send: namespaces (--ipc, --pid,
// --uts, --userns), resources (--cpu-shares, --cpuset-cpus, --memory-reservation,
// --oom-kill-disable, --oom-score-adj), --sysctl, --device, --group-add,
// --volumes-from, --link, --network-alias, --ip, --cidfile, --label-file and the
// json-file log's max-size/max-file: each reaches the container, shows in inspect
// as Docker's, and what this machine cannot do fails with Docker's words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

const inspect = async (name: string, path = '') =>
  JSON.parse(await env.ok(['inspect', '-f', `{{json .${path}}}`, name]));
const exec = (name: string, script: string) => env.ok(['exec', name, 'sh', '-c', script]);
const nsOf = (name: string, ns: string) => exec(name, `readlink /proc/self/ns/${ns}`).then((s) => s.trim());

test('resources, sysctls, devices and groups reach the container; inspect shows them as Docker', async () => {
  const r = await env.run([
    'run',
    '-d',
    '--name',
    'res',
    '--network',
    'none',
    '--cpu-shares',
    '512',
    '--cpuset-cpus',
    '0',
    '--memory-reservation',
    '10m',
    '--oom-kill-disable',
    '--oom-score-adj',
    '100',
    '--sysctl',
    'kernel.msgmax=65536',
    '--sysctl',
    'net.ipv4.ip_forward=1',
    '--device',
    '/dev/fuse',
    '--device',
    '/dev/null:/dev/mynull:r',
    '--group-add',
    '123',
    '--group-add',
    'nobody',
    'busybox',
    'sleep',
    '300',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    'WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.\n',
  );
  const out = await exec(
    'res',
    [
      'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.soft_limit_in_bytes',
      'grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control',
      'cat /proc/1/oom_score_adj /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward',
      'id -G',
      'stat -c "%n %t:%T" /dev/fuse /dev/mynull',
    ].join('; '),
  );
  assert.equal(
    out,
    '512\n0\n10485760\noom_kill_disable 1\n100\n65536\n1\n0 123 65534\n/dev/fuse a:e5\n/dev/mynull 1:3\n',
  );
  assert.equal(await exec('res', 'id -G'), '0 123 65534\n', 'exec gets the groups too');
  const hc = await inspect('res', 'HostConfig');
  assert.deepEqual(
    [
      hc.CpuShares,
      hc.CpusetCpus,
      hc.MemoryReservation,
      hc.OomKillDisable,
      hc.OomScoreAdj,
      hc.Sysctls,
      hc.GroupAdd,
      hc.Devices,
    ],
    [
      512,
      '0',
      10485760,
      true,
      100,
      { 'kernel.msgmax': '65536', 'net.ipv4.ip_forward': '1' },
      ['123', 'nobody'],
      [
        { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' },
      ],
    ],
  );
  assert.deepEqual(
    [hc.IpcMode, hc.PidMode, hc.UTSMode, hc.UsernsMode, hc.LogConfig],
    ['private', '', '', '', { Type: 'json-file', Config: {} }],
  );
  await env.ok(['rm', '-f', 'res']);
});

test('--ipc shareable and container:X share /dev/shm and the IPC namespace; host, none; --pid container:X and host; --uts host', async () => {
  const donor = (
    await env.ok(['run', '-d', '--name', 'donor', '--network', 'none', '--ipc', 'shareable', 'busybox', 'sleep', '300'])
  ).trim();
  await env.ok([
    'run',
    '-d',
    '--name',
    'joiner',
    '--network',
    'none',
    '--ipc',
    'container:donor',
    '--pid',
    'container:donor',
    '--uts',
    'host',
    'busybox',
    'sleep',
    '300',
  ]);
  await exec('donor', 'echo shared > /dev/shm/note');
  assert.equal(await exec('joiner', 'cat /dev/shm/note'), 'shared\n');
  assert.equal(await nsOf('joiner', 'ipc'), await nsOf('donor', 'ipc'));
  assert.equal(await nsOf('joiner', 'pid'), await nsOf('donor', 'pid'));
  assert.match(await exec('joiner', 'ps -o args'), /sleep 300\n.*sleep 300/s, 'both containers in one PID namespace');
  assert.equal(await nsOf('joiner', 'uts'), fs.readlinkSync('/proc/self/ns/uts'));
  const hc = await inspect('joiner', 'HostConfig');
  assert.deepEqual(
    [hc.IpcMode, hc.PidMode, hc.UTSMode],
    [`container:${donor}`, `container:${donor}`, 'host'],
    'names resolved to IDs at create, as Docker',
  );
  const shm = path.join(env.root, 'containers', donor, 'shm');
  assert.ok(
    fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${shm} `),
    "the donor's /dev/shm is a tmpfs of its own on the host",
  );
  await env.ok(['stop', '-t', '0', 'donor']);
  assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${shm} `), 'unmounted when it stops');
  await env.ok(['rm', '-f', 'joiner', 'donor']);

  assert.equal(
    await env.ok(['run', '--rm', '--network', 'none', '--ipc', 'host', 'busybox', 'readlink', '/proc/self/ns/ipc']),
    `${fs.readlinkSync('/proc/self/ns/ipc')}\n`,
  );
  assert.equal(
    await env.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '--ipc',
      'none',
      'busybox',
      'sh',
      '-c',
      'grep -c " /dev/shm " /proc/mounts || true',
    ]),
    '0\n',
  );
  assert.equal(
    await env.ok(['run', '--rm', '--network', 'none', '--pid', 'host', 'busybox', 'readlink', '/proc/self/ns/pid']),
    `${fs.readlinkSync('/proc/self/ns/pid')}\n`,
  );
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', '--userns', 'host', 'busybox', 'true']), '');
});

test('--volumes-from copies the mounts (read-only with :ro); --link on the default bridge: hosts entry and ALIAS_* variables', async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'web',
    '-e',
    'FOO=bar',
    '--expose',
    '80',
    '--expose',
    '8080/udp',
    '-v',
    '/data',
    'busybox',
    'sleep',
    '300',
  ]);
  await exec('web', 'echo from-web > /data/f');
  const ip = (await inspect('web', 'NetworkSettings.IPAddress')) as string;
  const out = await env.ok([
    'run',
    '--rm',
    '--name',
    'client',
    '--volumes-from',
    'web:ro',
    '--link',
    'web:db',
    'busybox',
    'sh',
    '-c',
    'cat /data/f; touch /data/g 2>/dev/null || echo read-only; grep -w db /etc/hosts; env | grep ^DB_ | sort',
  ]);
  const [cid] = (await env.ok(['inspect', '-f', '{{.Config.Hostname}}', 'web'])).split('\n');
  assert.equal(
    out,
    [
      'from-web',
      'read-only',
      `${ip}\tdb ${cid} web`,
      'DB_ENV_FOO=bar',
      'DB_NAME=/client/db',
      `DB_PORT=tcp://${ip}:80`,
      `DB_PORT_8080_UDP=udp://${ip}:8080`,
      `DB_PORT_8080_UDP_ADDR=${ip}`,
      'DB_PORT_8080_UDP_PORT=8080',
      'DB_PORT_8080_UDP_PROTO=udp',
      `DB_PORT_80_TCP=tcp://${ip}:80`,
      `DB_PORT_80_TCP_ADDR=${ip}`,
      'DB_PORT_80_TCP_PORT=80',
      'DB_PORT_80_TCP_PROTO=tcp',
      '',
    ].join('\n'),
  );
  await env.ok(['create', '--name', 'linked', '--link', 'web:db', '--volumes-from', 'web', 'busybox']);
  assert.deepEqual(await inspect('linked', 'HostConfig.Links'), ['/web:/linked/db']);
  assert.deepEqual(await inspect('linked', 'HostConfig.VolumesFrom'), ['web']);
  const [mount] = await inspect('linked', 'Mounts');
  assert.deepEqual(
    [mount.Destination, mount.RW, mount.Name],
    ['/data', true, (await inspect('web', 'Mounts'))[0].Name],
  );
  await env.ok(['rename', 'web', 'web2']);
  assert.deepEqual(
    await inspect('linked', 'HostConfig.Links'),
    ['/web2:/linked/db'],
    'by the current names, as Docker',
  );
  await env.ok(['stop', '-t', '0', 'web2']);
  const r = await env.run(['start', 'linked']);
  assert.equal(
    r.stderr,
    'Error: Cannot link to a non running container: /web2 AS /linked/db\nError: failed to start containers: linked\n',
  );
  await env.ok(['rm', '-f', 'linked', 'web2']);
});

test('--network-alias, --ip and --link on a user-defined network', async () => {
  await env.ok(['network', 'create', 'opts-net']);
  const subnet = (await env.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'opts-net'])).trim();
  const ip = subnet.replace(/\.0\/24$/, '.77');
  await env.ok(['run', '-d', '--name', 'peer', '--network', 'opts-net', 'busybox', 'sleep', '300']);
  const id = (
    await env.ok([
      'run',
      '-d',
      '--name',
      'me',
      '--network',
      'opts-net',
      '--network-alias',
      'web',
      '--network-alias',
      'www',
      '--ip',
      ip,
      '--link',
      'peer:pp',
      'busybox',
      'sleep',
      '300',
    ])
  ).trim();
  assert.match(await exec('me', 'ip -4 addr show eth0'), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
  assert.match(await exec('me', 'cat /etc/hosts'), /\tpeer [0-9a-f]{12} pp\n/, 'the link names the peer here');
  assert.match(
    await exec('peer', 'cat /etc/hosts'),
    new RegExp(`${ip.replace(/\./g, '\\.')}\tme ${id.slice(0, 12)} web www\n`),
    'the aliases name it for its peers',
  );
  assert.doesNotMatch(await exec('peer', 'cat /etc/hosts'), /\bpp\b/, "a link is only its container's");
  const ep = (await inspect('me', 'NetworkSettings.Networks'))['opts-net'];
  assert.deepEqual(
    [ep.IPAMConfig, ep.Links, ep.Aliases, ep.IPAddress],
    [{ IPv4Address: ip }, ['peer:pp'], ['web', 'www', id.slice(0, 12)], ip],
  );
  await env.ok(['restart', '-t', '0', 'me']);
  assert.match(
    await exec('me', 'ip -4 addr show eth0'),
    new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`),
    'the same address at every start',
  );
  const created = (await env.ok(['create', '--network', 'opts-net', '--network-alias', 'x', 'busybox'])).trim();
  assert.deepEqual(
    (await inspect(created, 'NetworkSettings.Networks'))['opts-net'].Aliases,
    ['x'],
    'a created container shows its endpoint settings',
  );
  await env.ok(['rm', '-f', 'me', 'peer', created]);
  await env.ok(['network', 'rm', 'opts-net']);
});

test('--cidfile, --label-file and labels', async () => {
  const cid = path.join(env.dir, 'cid');
  const labels = path.join(env.dir, 'labels');
  fs.writeFileSync(labels, '# team labels\ntier=web\nowner=ops\n');
  const id = (await env.ok(['create', '--cidfile', cid, '--label-file', labels, '-l', 'owner=dev', 'busybox'])).trim();
  assert.equal(fs.readFileSync(cid, 'utf8'), id);
  assert.deepEqual(await inspect(id, 'Config.Labels'), { owner: 'dev', tier: 'web' });
  assert.equal(await inspect(id, 'HostConfig.ContainerIDFile'), cid);
  const again = await env.run(['create', '--cidfile', cid, 'busybox']);
  assert.deepEqual(
    [again.code, again.stderr.split('\n')[0]],
    [125, `stowage: container ID file found, make sure the other container isn't running or delete ${cid}`],
  );
  const bad = await env.run(['create', '--cidfile', path.join(env.dir, 'cid2'), 'no-such-image-here:x']);
  assert.notEqual(bad.code, 0);
  assert.ok(!fs.existsSync(path.join(env.dir, 'cid2')), 'a failed create leaves no ID file');
  const badLabel = await env.run(['create', '-l', '=x', 'busybox']);
  assert.equal(badLabel.code, 125);
  assert.match(badLabel.stderr, /invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name/);
  await env.ok(['rm', id]);
});

test('the json-file log: max-size alone cuts the log; with max-file it rotates, and logs reads every file, following too', async () => {
  const print = (n: number) => `i=0; while [ $i -lt ${n} ]; do echo line-$i; i=$((i+1)); done`;
  const cut = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '--log-opt',
      'max-size=2k',
      'busybox',
      'sh',
      '-c',
      `${print(500)}; sleep 300`,
    ])
  ).trim();
  const dir = path.join(env.root, 'containers', cut);
  const logFiles = () =>
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('ctr.log'))
      .sort();
  const lines = async (id: string) => (await env.ok(['logs', id])).split('\n').filter(Boolean);
  for (let i = 0; i < 100 && !(await lines(cut)).includes('line-499'); i++)
    await new Promise((r) => setTimeout(r, 100));
  const kept = await lines(cut);
  assert.equal(kept[kept.length - 1], 'line-499');
  assert.ok(kept.length < 500, 'older lines are gone');
  assert.deepEqual(logFiles(), ['ctr.log']);
  assert.ok(fs.statSync(path.join(dir, 'ctr.log')).size <= 2000);
  assert.deepEqual(await inspect(cut, 'HostConfig.LogConfig'), { Type: 'json-file', Config: { 'max-size': '2k' } });

  const rot = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '--log-opt',
      'max-size=2k',
      '--log-opt',
      'max-file=3',
      'busybox',
      'sh',
      '-c',
      `sleep 3; for b in 1 2 3 4 5 6 7 8; do ${print(40).replace('line-', 'b$b-')}; sleep 0.3; done`,
    ])
  ).trim();
  const followed = (await env.ok(['logs', '-f', rot])).split('\n').filter(Boolean);
  assert.equal(followed.length, 320, 'a follower misses nothing across rotations');
  const rdir = path.join(env.root, 'containers', rot);
  assert.deepEqual(
    fs
      .readdirSync(rdir)
      .filter((f) => f.startsWith('ctr.log'))
      .sort(),
    ['ctr.log', 'ctr.log.1', 'ctr.log.2'],
  );
  const all = await lines(rot);
  assert.ok(all.length < 320 && all.length > 40, `the three files' lines: ${all.length}`);
  assert.deepEqual(all, followed.slice(followed.length - all.length), 'oldest first, in order, the newest last');
  assert.deepEqual(await inspect(rot, 'HostConfig.LogConfig'), {
    Type: 'json-file',
    Config: { 'max-file': '3', 'max-size': '2k' },
  });
  await env.ok(['rm', '-f', cut, rot]);
});

test("what cannot be done gets Docker's error and exit status", async () => {
  await env.ok(['run', '-d', '--name', 'plain', '--network', 'none', 'busybox', 'sleep', '300']);
  const plainId = (await env.ok(['inspect', '-f', '{{.Id}}', 'plain'])).trim();
  const cases: Array<[string[], number, string]> = [
    [['--network-alias', 'x'], 125, 'stowage: network-scoped aliases are only supported for user-defined networks'],
    [['--ip', '10.1.1.1'], 125, 'stowage: Error: user specified IP address is supported on user defined networks only'],
    [
      ['--link', 'nonexist:x'],
      125,
      'stowage: Error: could not get container for nonexist: No such container: nonexist',
    ],
    [
      ['--network', 'host', '--link', 'plain'],
      125,
      "stowage: Error: conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    ],
    [['--uts', 'host', '-h', 'foo'], 125, 'stowage: Error: conflicting options: hostname and the UTS mode'],
    // another container's network decides these (runconfig's validateNetContainerMode)
    ...(
      [
        [['-h', 'foo'], 'hostname and the network mode'],
        [['--dns', '127.0.0.1'], 'dns and the network mode'],
        [['--add-host', 'a:127.0.0.1'], 'custom host-to-IP mapping and the network mode'],
        [['--mac-address', '02:42:ac:11:00:09'], 'mac-address and the network mode'],
        [['-p', '8080:80'], 'port publishing and the container type network mode'],
        [['--expose', '80'], 'port exposing and the container type network mode'],
      ] as Array<[string[], string]>
    ).map(([flags, what]): [string[], number, string] => [
      ['--network', 'container:plain', ...flags],
      125,
      `stowage: Error: conflicting options: ${what}`,
    ]),
    [
      ['--network', 'host', '--mac-address', '02:42:ac:11:00:09'],
      125,
      'stowage: Error: conflicting options: mac-address and the network mode',
    ],
    [['--ipc', 'bogus'], 125, 'stowage: Error: Invalid IPC mode: bogus'],
    [['--ipc', 'container:nonexist'], 125, 'stowage: Error: No such container: nonexist'],
    [
      ['--ipc', 'container:plain'],
      125,
      `stowage: Error: can't join IPC of container ${plainId}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
    ],
    [['--pid', 'bogus'], 125, 'stowage: --pid: invalid PID mode'],
    [['--uts', 'bogus'], 125, 'stowage: --uts: invalid UTS mode'],
    [['--userns', 'private'], 125, 'stowage: --userns: invalid USER mode'],
    [['--volumes-from', 'nonexist'], 125, 'stowage: Error: No such container: nonexist'],
    [
      ['--device', '/dev/nope'],
      127,
      'stowage: Error: error gathering device information while adding custom device "/dev/nope": no such file or directory',
    ],
    [['--cpuset-cpus', '99'], 125, 'stowage: Error: Requested CPUs are not available - requested 99, available: '],
    [['--cpuset-cpus', 'x'], 125, 'stowage: Error: Invalid value x for cpuset cpus: invalid format: x'],
    [['--memory-reservation', '1m'], 125, 'stowage: Error: Minimum memory reservation allowed is 6MB'],
    [
      ['-m', '10m', '--memory-reservation', '20m'],
      125,
      'stowage: Error: Minimum memory limit can not be less than memory reservation limit, see usage',
    ],
    [['-c', '1'], 125, 'the minimum allowed cpu-shares is 2: unknown'],
    [['--oom-score-adj', '2000'], 125, 'stowage: Error: Invalid value 2000, range for oom score adj is [-1000, 1000]'],
    // root here lacks CAP_SYS_RESOURCE: the kernel refuses a negative score, runc says so, as under Docker
    [['--oom-score-adj', '-500'], 125, 'stowage: Error: failed to create shim task: OCI runtime create failed: runc'],
    [
      ['--group-add', 'nosuchgroup'],
      125,
      'stowage: Error: Unable to find group nosuchgroup: no matching entries in group file',
    ],
    [['--log-opt', 'max-size=bad'], 125, "stowage: Error: failed to initialize logging driver: invalid size: 'bad'"],
    [['--log-opt', 'foo=bar'], 125, "stowage: Error: unknown log opt 'foo' for json-file log driver"],
    [['--log-driver', 'nosuch'], 125, "stowage: Error: logger: no log driver named 'nosuch' is registered"],
    [['--device', '/dev/null:rel'], 125, 'stowage: rel is not an absolute path'],
    [['--device', '/dev/null:/x:bad'], 125, 'stowage: bad mode specified: bad'],
  ];
  for (const [args, code, message] of cases) {
    const r = await env.run([
      'run',
      '--rm',
      ...(args.includes('--network') ? [] : ['--network', 'none']),
      ...args,
      'busybox',
      'true',
    ]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
  for (const [flag, value, why] of [
    ['--sysctl', 'kernel.foo=1', "sysctl 'kernel.foo=1' is not allowed"],
    ['--link', 'a:b:c', 'bad format for links: a:b:c'],
  ]) {
    const r = await env.run(['run', '--rm', flag, value, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.ok(r.stderr.startsWith(`invalid argument "${value}" for "${flag}" flag: ${why}\n`), r.stderr);
  }
  assert.deepEqual(
    (await env.ok(['ps', '-a', '--format', '{{.Names}}'])).trim(),
    'plain',
    'no failed run left a container behind',
  );
  await env.ok(['rm', '-f', 'plain']);
});
