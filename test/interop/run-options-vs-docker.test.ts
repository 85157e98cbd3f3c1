// The run/create options compose and the SDKs send, and healthchecks, side by
// side with Docker 20.10: the same flags give the same HostConfig, the same
// refusals (exit status and words), the same State.Health and health events,
// and the same legacy-link variables. Needs root and scripts/setup.sh --with-references.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, baseTarball, type Result } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-interop-');
let docker: DockerDaemon;

before(async () => {
  docker = await startDockerDaemon({ bridge: true });
  await env.baseImage('busybox:latest');
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
});
after(async () => {
  await docker?.stop();
  env.cleanup();
});

const both = async (args: string[]): Promise<[Result, Result]> => [await env.run(args), await docker.docker(args)];
const inspectBoth = async (name: string, path: string) =>
  (
    await Promise.all([
      env.ok(['inspect', '-f', `{{json .${path}}}`, name]),
      docker.ok(['inspect', '-f', `{{json .${path}}}`, name]),
    ])
  ).map((s) => JSON.parse(s));
/** IDs and addresses differ between the engines; the words around them must not. */
const normal = (s: string) =>
  s
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<short>')
    .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, '<ip>')
    .replace(/^docker: /gm, 'stowage: ')
    .replace(/Error response from daemon: /g, 'Error: ')
    .replace(/'docker (\w+) --help'/g, "'stowage $1 --help'")
    .replace(/runc (create|run) failed/g, 'runc failed');

test('the same HostConfig as Docker for the same run options', async () => {
  for (const engine of [env.ok.bind(env), docker.ok.bind(docker)]) {
    await engine([
      'run',
      '-d',
      '--name',
      'donor',
      '--network',
      'none',
      '--ipc',
      'shareable',
      '-v',
      '/data',
      'busybox',
      'sleep',
      '300',
    ]);
    await engine([
      'create',
      '--name',
      'opts',
      '--network',
      'none',
      '--ipc',
      'container:donor',
      '--pid',
      'container:donor',
      '--uts',
      'host',
      '--userns',
      'host',
      '--volumes-from',
      'donor:ro',
      '--group-add',
      '123',
      '--sysctl',
      'kernel.msgmax=65536',
      '--device',
      '/dev/fuse',
      '--device',
      '/dev/null:/dev/mynull:r',
      '--cpu-shares',
      '512',
      '--cpuset-cpus',
      '0',
      '--memory-reservation',
      '10m',
      '--oom-kill-disable',
      '--oom-score-adj',
      '100',
      '--log-opt',
      'max-size=1m',
      '--log-opt',
      'max-file=3',
      '-l',
      'a=b',
      'busybox',
      'sleep',
      '300',
    ]);
  }
  for (const field of [
    'LogConfig',
    'VolumesFrom',
    'GroupAdd',
    'UTSMode',
    'UsernsMode',
    'CpuShares',
    'CpusetCpus',
    'MemoryReservation',
    'OomKillDisable',
    'OomScoreAdj',
    'Devices',
    'Sysctls',
    'Links',
    'ContainerIDFile',
  ]) {
    const [mine, theirs] = await inspectBoth('opts', `HostConfig.${field}`);
    assert.deepEqual(mine, theirs, field);
  }
  for (const field of ['IpcMode', 'PidMode']) {
    const [mine, theirs] = await inspectBoth('opts', `HostConfig.${field}`);
    assert.equal(normal(mine), normal(theirs), field);
    assert.match(mine, /^container:[0-9a-f]{64}$/);
  }
  const [[mine], [theirs]] = await inspectBoth('opts', 'Mounts');
  assert.deepEqual(
    [mine.Type, mine.Destination, mine.Mode, mine.RW],
    [theirs.Type, theirs.Destination, theirs.Mode, theirs.RW],
  );
  assert.deepEqual(...((await inspectBoth('opts', 'Config.Labels')) as [unknown, unknown]));
  // started: the same view from inside
  const [a, b] = await both(['start', 'opts']);
  assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
  const probe =
    'id -G; cat /proc/sys/kernel/msgmax /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/memory/memory.soft_limit_in_bytes; stat -c "%n %t:%T" /dev/mynull; touch /data/x 2>&1 | grep -c Read-only';
  const [x, y] = await both(['exec', 'opts', 'sh', '-c', probe]);
  assert.equal(x.stdout, y.stdout);
  assert.match(x.stdout, /^0 123\n65536\n512\n/);
  for (const engine of [env.ok.bind(env), docker.ok.bind(docker)]) await engine(['rm', '-f', 'opts', 'donor']);
});

test('the same refusals as Docker: exit status and words', async () => {
  for (const engine of [env.ok.bind(env), docker.ok.bind(docker)])
    await engine(['run', '-d', '--name', 'plain', '--network', 'none', 'busybox', 'sleep', '300']);
  const cases = [
    ['--network-alias', 'x'],
    ['--ip', '10.1.1.1', '--network', 'bridge'],
    ['--link', 'nonexist:x'],
    ['--uts', 'host', '-h', 'foo'],
    ['--ipc', 'bogus'],
    ['--ipc', 'container:nonexist'],
    ['--ipc', 'container:plain'],
    ['--pid', 'bogus'],
    ['--uts', 'bogus'],
    ['--userns', 'foo'],
    ['--volumes-from', 'nonexist'],
    ['--device', '/dev/nope'],
    ['--device', '/dev/null:rel'],
    ['--sysctl', 'kernel.foo=1'],
    ['--cpuset-cpus', 'x'],
    ['--memory-reservation', '1m'],
    ['-m', '10m', '--memory-reservation', '20m'],
    ['--oom-score-adj', '2000'],
    ['--group-add', 'nosuchgroup'],
    ['--log-opt', 'max-size=bad'],
    ['--log-opt', 'foo=bar'],
    ['--log-opt', 'max-file=x', '--log-opt', 'max-size=1m'],
    ['--no-healthcheck', '--health-cmd', 'true'],
    ['--health-interval', '-1s'],
    ['--health-interval', '100us'],
    ['--health-timeout', '5'],
  ];
  for (const args of cases) {
    const net = args.includes('--network') || args.includes('--network-alias') ? [] : ['--network', 'none'];
    const [mine, theirs] = await both(['run', '--rm', ...net, ...args, 'busybox', 'true']);
    assert.equal(mine.code, theirs.code, `${args.join(' ')}\nstowage: ${mine.stderr}\ndocker: ${theirs.stderr}`);
    const first = (r: Result) =>
      normal(r.stderr)
        .split('\n')
        .filter((l) => !l.startsWith('WARNING'))[0];
    assert.equal(first(mine), first(theirs), args.join(' '));
  }
  for (const engine of [env.ok.bind(env), docker.ok.bind(docker)]) await engine(['rm', '-f', 'plain']);
});

/** Polls inspect until the health status is `status` (a minute at most). */
async function waitStatus(
  run: (a: string[]) => Promise<string>,
  name: string,
  status: string,
): Promise<{ Status: string; FailingStreak: number; Log: Array<Record<string, unknown>> }> {
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const h = JSON.parse(await run(['inspect', '-f', '{{json .State.Health}}', name]));
    if (h?.Status === status) return h;
    if (Date.now() > deadline) throw new Error(`${name} never got ${status}: ${JSON.stringify(h)}`);
  }
}

test('the same State.Health and health events as Docker: failures, the timeout message, a recovery', async () => {
  const args = [
    'run',
    '-d',
    '--name',
    'hc',
    '--network',
    'none',
    '--health-cmd',
    'echo checking; test -e /ok',
    '--health-interval',
    '300ms',
    '--health-retries',
    '2',
    'busybox',
    'sleep',
    '300',
  ];
  const runs = [env.ok.bind(env), docker.ok.bind(docker)];
  const since = Math.floor(Date.now() / 1000) - 1;
  for (const run of runs) await run(args);
  const [mine, theirs] = await Promise.all(runs.map((run) => waitStatus(run, 'hc', 'unhealthy')));
  assert.deepEqual(Object.keys(mine), Object.keys(theirs));
  assert.deepEqual(Object.keys(mine.Log[0]), Object.keys(theirs.Log[0]));
  assert.deepEqual([mine.Log[0].ExitCode, mine.Log[0].Output], [theirs.Log[0].ExitCode, theirs.Log[0].Output]);
  for (const run of runs) await run(['exec', 'hc', 'touch', '/ok']);
  await Promise.all(runs.map((run) => waitStatus(run, 'hc', 'healthy')));
  // the probes' events (found by the execIDs their exec_create names) and the status changes
  const events = async (run: (a: string[]) => Promise<string>) => {
    const all = (
      await run([
        'events',
        '--since',
        String(since),
        '--until',
        String(Math.ceil(Date.now() / 1000)),
        '--filter',
        'container=hc',
        '--format',
        '{{json .}}',
      ])
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    const probes = new Set(
      all
        .filter((e) => e.Action.startsWith('exec_create: /bin/sh -c echo checking'))
        .map((e) => e.Actor.Attributes.execID),
    );
    return all
      .filter((e) => e.Action.startsWith('health_status') || probes.has(e.Actor.Attributes.execID))
      .map((e) => `${e.Action} ${Object.keys(e.Actor.Attributes).sort().join(',')}`);
  };
  const [e1, e2] = await Promise.all(runs.map(events));
  const kinds = (e: string[]) => [...new Set(e)].sort();
  assert.deepEqual(kinds(e1), kinds(e2));
  assert.ok(e1.includes('exec_create: /bin/sh -c echo checking; test -e /ok execID,image,name'), e1.join('\n'));
  assert.ok(e1.includes('exec_die execID,exitCode,image,name'), e1.join('\n'));
  assert.deepEqual(
    e1.filter((e) => e.startsWith('health_status')),
    e2.filter((e) => e.startsWith('health_status')),
  );
  for (const run of runs) await run(['rm', '-f', 'hc']);

  const slow = [
    'run',
    '-d',
    '--name',
    'slow',
    '--network',
    'none',
    '--health-cmd',
    'sleep 5',
    '--health-interval',
    '300ms',
    '--health-timeout',
    '400ms',
    '--health-retries',
    '1',
    'busybox',
    'sleep',
    '300',
  ];
  for (const run of runs) await run(slow);
  const [s1, s2] = await Promise.all(runs.map((run) => waitStatus(run, 'slow', 'unhealthy')));
  assert.deepEqual([s1.Log[0].ExitCode, s1.Log[0].Output], [s2.Log[0].ExitCode, s2.Log[0].Output]);
  assert.equal(s1.Log[0].Output, 'Health check exceeded timeout (400ms)');
  for (const run of runs) await run(['rm', '-f', 'slow']);
});

test("the same legacy link variables and hosts entry as Docker's", async () => {
  const runs = [env.run.bind(env), docker.docker.bind(docker)];
  for (const run of runs)
    await run([
      'run',
      '-d',
      '--name',
      'db',
      '-e',
      'PASSWORD=x',
      '--expose',
      '5432',
      '--expose',
      '7000-7002/udp',
      'busybox',
      'sleep',
      '300',
    ]);
  const script = 'env | grep ^DATABASE_ | sort; grep -w database /etc/hosts';
  const [mine, theirs] = await Promise.all(
    runs.map((run) => run(['run', '--rm', '--name', 'app', '--link', 'db:database', 'busybox', 'sh', '-c', script])),
  );
  assert.equal(normal(mine.stdout), normal(theirs.stdout));
  assert.match(mine.stdout, /DATABASE_PORT_7000_UDP_START=udp:/);
  for (const run of runs) await run(['rm', '-f', 'db']);
});
