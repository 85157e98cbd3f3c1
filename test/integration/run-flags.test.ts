// The flags of `run` that shape the container, checked from inside it.
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

const run = (args: string[]) => env.ok(['run', '--rm', '--network', 'none', ...args]);
const capEff = (status: string) => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)![1]}`);
const CAP = { NET_RAW: 13n, SYS_ADMIN: 21n, CHOWN: 0n };
const has = (mask: bigint, bit: bigint) => ((mask >> bit) & 1n) === 1n;

test('environment, working directory, user, hostname, entrypoint', async () => {
  const envFile = path.join(env.dir, 'env.list');
  fs.writeFileSync(envFile, '# a comment\nFROM_FILE=yes\n\nSPACED=a b\n');
  assert.equal(
    await run(['-e', 'A=1', '--env-file', envFile, 'busybox', 'sh', '-c', 'echo $A $FROM_FILE "$SPACED" $PATH']),
    '1 yes a b /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
  );
  assert.equal(await run(['-w', '/tmp/work', 'busybox', 'pwd']), '/tmp/work\n');
  assert.equal(
    await run(['-u', 'nobody', 'busybox', 'id']),
    'uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n',
  );
  assert.equal(await run(['-u', '1234:5678', 'busybox', 'id', '-u']), '1234\n');
  assert.equal(await run(['-h', 'lottery-box', 'busybox', 'hostname']), 'lottery-box\n');
  assert.equal(await run(['--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']), 'from entrypoint\n');
  const unknownUser = await env.run(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'true']);
  assert.notEqual(unknownUser.code, 0);
  assert.match(unknownUser.stderr, /unable to find user nosuchuser/);
});

test('--read-only, --privileged, --cap-add, --cap-drop, no-new-privileges', async () => {
  const ro = await env.run(['run', '--rm', '--read-only', 'busybox', 'touch', '/made']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);
  assert.equal(
    await run(['--read-only', 'busybox', 'sh', '-c', 'touch /tmp/ok 2>/dev/null; echo $?']),
    '1\n',
    '/tmp is not writable either',
  );
  const plain = capEff(await run(['busybox', 'cat', '/proc/self/status']));
  assert.ok(has(plain, CAP.NET_RAW) && has(plain, CAP.CHOWN) && !has(plain, CAP.SYS_ADMIN), "Docker's default set");
  const dropped = capEff(await run(['--cap-drop', 'NET_RAW', 'busybox', 'cat', '/proc/self/status']));
  assert.ok(!has(dropped, CAP.NET_RAW) && has(dropped, CAP.CHOWN));
  const added = capEff(await run(['--cap-add', 'SYS_ADMIN', 'busybox', 'cat', '/proc/self/status']));
  assert.ok(has(added, CAP.SYS_ADMIN));
  const priv = capEff(await run(['--privileged', 'busybox', 'cat', '/proc/self/status']));
  assert.ok(has(priv, CAP.SYS_ADMIN) && priv > added);
  assert.match(
    await run(['--security-opt', 'no-new-privileges', 'busybox', 'cat', '/proc/self/status']),
    /NoNewPrivs:\s*1/,
  );
  const badCap = await env.run(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
  assert.notEqual(badCap.code, 0);
  assert.match(badCap.stderr, /unknown capability: "CAP_NOT_A_CAP"/);
});

test('--memory, --cpus, --pids-limit land in the cgroups; --init runs an init as PID 1', async () => {
  const id = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '-m',
      '32m',
      '--cpus',
      '0.5',
      '--pids-limit',
      '20',
      'busybox',
      'sleep',
      '100',
    ])
  ).trim();
  const cg = (ctrl: string, file: string) =>
    fs.readFileSync(path.join('/sys/fs/cgroup', ctrl, 'stowage', id, file), 'utf8').trim();
  assert.equal(cg('memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
  assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(cg('cpu', 'cpu.cfs_period_us'), '100000');
  assert.equal(cg('pids', 'pids.max'), '20');
  const [inspect] = JSON.parse(await env.ok(['inspect', id]));
  assert.equal(inspect.HostConfig.Memory, 32 * 1024 * 1024);
  assert.equal(inspect.HostConfig.NanoCpus, 500_000_000);
  assert.equal(inspect.HostConfig.PidsLimit, 20);
  await env.ok(['rm', '-f', id]);
  assert.ok(!fs.existsSync(path.join('/sys/fs/cgroup', 'memory', 'stowage', id)), 'the cgroup goes with the container');
  assert.match(await run(['--init', 'busybox', 'cat', '/proc/1/cmdline']), /^\/sbin\/docker-init\0--\0cat\0/);
  const small = await env.run(['run', '--rm', '-m', '1m', 'busybox', 'true']);
  assert.equal(small.code, 125);
  assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
});

test('labels are recorded and filterable', async () => {
  await env.ok(['create', '--name', 'labelled', '-l', 'tier=web', '-l', 'lesson', 'busybox']);
  assert.equal(
    (await env.ok(['inspect', '-f', '{{json .Config.Labels}}', 'labelled'])).trim(),
    '{"lesson":"","tier":"web"}',
  );
  assert.equal((await env.ok(['ps', '-a', '--filter', 'label=tier=web', '--format', '{{.Names}}'])).trim(), 'labelled');
  await env.ok(['rm', 'labelled']);
});

test("--add-host, --dns, --dns-search, --dns-option and --ulimit reach the container (exec too); bad values get the CLI's words", async () => {
  assert.equal(
    await run(['--add-host', 'h1:10.1.2.3', '--add-host', 'h2=[::1]', 'busybox', 'sh', '-c', 'grep h[12] /etc/hosts']),
    '10.1.2.3\th1\n::1\th2\n',
  );
  assert.equal(
    await run([
      '--dns',
      '9.9.9.9',
      '--dns-search',
      'example.com',
      '--dns-option',
      'ndots:2',
      'busybox',
      'cat',
      '/etc/resolv.conf',
    ]),
    'search example.com\nnameserver 9.9.9.9\noptions ndots:2\n',
  );
  assert.equal(await run(['--ulimit', 'nofile=100:200', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']), '100\n200\n');
  const id = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '--ulimit',
      'nofile=64',
      '--add-host',
      'gw:host-gateway',
      'busybox',
      'sleep',
      '100',
    ])
  ).trim();
  try {
    assert.equal(await env.ok(['exec', id, 'sh', '-c', 'ulimit -n']), '64\n');
    assert.equal(
      await env.ok(['inspect', '-f', '{{json .HostConfig.Ulimits}} {{json .HostConfig.ExtraHosts}}', id]),
      '[{"Name":"nofile","Hard":64,"Soft":64}] ["gw:host-gateway"]\n',
    );
    assert.equal(
      (await env.run(['exec', id, 'grep', '-c', 'gw', '/etc/hosts'])).stdout,
      '0\n',
      "host-gateway: the gateway of the container's network, here none",
    );
  } finally {
    await env.ok(['rm', '-f', id]);
  }
  for (const [flag, value, why] of [
    ['--add-host', 'bad', 'bad format for add-host: "bad"'],
    ['--add-host', 'h:1.2.3', 'invalid IP address in add-host: "1.2.3"'],
    ['--dns', 'x', 'IP address is not correctly formatted: x'],
    ['--ulimit', 'nofile=300:200', 'ulimit soft limit must be less than or equal to hard limit: 300 > 200'],
    ['--ulimit', 'bogus=1', 'invalid ulimit type: bogus'],
  ]) {
    const r = await env.run(['run', '--rm', flag, value, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.ok(r.stderr.startsWith(`invalid argument "${value}" for "${flag}" flag: ${why}\n\nUsage:`), r.stderr);
  }
});

test('update changes the limits of a running container at once, and its restart policy, for the next starts too', async () => {
  const cg =
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max';
  await env.ok(['run', '-d', '--name', 'upd', '--network', 'none', 'busybox', 'sleep', '1000']);
  assert.equal(
    await env.ok(['update', '--memory', '64m', '--pids-limit', '50', '--restart', 'on-failure:2', 'upd']),
    'upd\n',
  );
  assert.equal(await env.ok(['exec', 'upd', 'sh', '-c', cg]), `${64 * 1024 * 1024}\n50\n`);
  assert.equal(
    await env.ok([
      'inspect',
      '-f',
      '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy}}',
      'upd',
    ]),
    `${64 * 1024 * 1024} 50 {on-failure 2}\n`,
  );
  await env.ok(['restart', '-t', '0', 'upd']);
  assert.equal(await env.ok(['exec', 'upd', 'sh', '-c', cg]), `${64 * 1024 * 1024}\n50\n`, 'kept for the next start');
  const none = await env.run(['update', 'upd']);
  assert.deepEqual([none.code, none.stderr], [1, 'You must provide one or more flags when using this command.\n']);
  const small = await env.run(['update', '--memory', '1m', 'upd', 'nonexist']);
  assert.deepEqual(
    [small.code, small.stdout, small.stderr],
    [1, '', 'Error: Minimum memory limit allowed is 6MB\nError: No such container: nonexist\n'],
  );
  await env.ok(['rm', '-f', 'upd']);
});

test('stats --no-stream: a busy container shows its CPU share, memory under its limit and its processes', async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'busy',
    '--network',
    'none',
    '-m',
    '64m',
    'busybox',
    'sh',
    '-c',
    'yes > /dev/null',
  ]);
  try {
    const out = await env.ok(['stats', '--no-stream', 'busy']);
    const [header, row, ...rest] = out.split('\n');
    assert.match(header, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    assert.deepEqual(rest, ['']);
    const m =
      /^([0-9a-f]{12}) +busy +(\d+\.\d\d)% +([\d.]+[KMG]?i?B) \/ 64MiB +(\d+\.\d\d)% +0B \/ 0B +\S+ \/ \S+ +1$/.exec(
        row,
      ); // sh runs yes in its place: one process
    assert.ok(m, row);
    assert.ok(Number(m[2]) > 1, `yes keeps a CPU busy: ${m[2]}%`);
    assert.equal(await env.ok(['stats', '--no-stream', '--format', '{{.Name}}: {{.PIDs}}', 'busy']), 'busy: 1\n');
  } finally {
    await env.ok(['rm', '-f', 'busy']);
  }
});
