// The Engine API beyond images and containers, driven by the real docker CLI
// through `stowage system service`: networks, volumes, events, exec with a
// terminal, top/stats/export/rename/update, prunes, system df, and Docker's
// answers to bad requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { slotNet24, startService, TestEnv, type ApiService } from '../helpers';

const env = new TestEnv('stowage-api-objects-');
let api: ApiService;

before(async () => {
  await env.baseImage('busybox:latest');
  api = await startService(env);
});
after(async () => {
  await api.stop();
  env.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('networks: create with labels and a subnet, ls with filters, inspect, connect with an alias and a fixed IP, disconnect, rm, prune', async () => {
  const net = slotNet24(1);
  const id = (
    await api.dockerOk(['network', 'create', '--subnet', `${net}.0/24`, '--label', 'app=lesson', 'api-net'])
  ).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(
    await api.dockerOk(['network', 'ls', '--filter', 'label=app=lesson', '--format', '{{.Name}} {{.Driver}}']),
    'api-net bridge\n',
  );
  assert.equal(
    (
      await api.dockerOk([
        'network',
        'inspect',
        '-f',
        '{{(index .IPAM.Config 0).Subnet}} {{.Labels.app}} {{.Internal}}',
        'api-net',
      ])
    ).trim(),
    `${net}.0/24 lesson false`,
  );
  await api.dockerOk(['run', '-d', '--name', 'net-a', '--network', 'api-net', 'busybox', 'sleep', '300']);
  await api.dockerOk(['run', '-d', '--name', 'net-b', '--network', 'none', 'busybox', 'sleep', '300']);
  const none = await api.docker(['network', 'connect', 'api-net', 'net-b']);
  assert.equal(none.code, 1, 'a container on the none network joins no other');
  await api.dockerOk(['rm', '-f', 'net-b']);
  await api.dockerOk(['run', '-d', '--name', 'net-b', 'busybox', 'sleep', '300']);
  await api.dockerOk(['network', 'connect', '--alias', 'db', '--ip', `${net}.77`, 'api-net', 'net-b']);
  assert.equal(
    (
      await api.dockerOk(['inspect', '-f', '{{(index .NetworkSettings.Networks "api-net").IPAddress}}', 'net-b'])
    ).trim(),
    `${net}.77`,
  );
  // the alias resolves for the other container on the network
  assert.match(
    await api.dockerOk(['exec', 'net-a', 'ping', '-c', '1', '-W', '5', 'db']),
    new RegExp(` \\(${net.replaceAll('.', '\\.')}\\.77\\)`),
  );
  const members = await api.dockerOk(['network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', 'api-net']);
  assert.deepEqual(members.trim().split(' ').sort(), ['net-a', 'net-b']);
  const busy = await api.docker(['network', 'rm', 'api-net']);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /has active endpoints/);
  await api.dockerOk(['network', 'disconnect', 'api-net', 'net-b']);
  assert.equal((await api.dockerOk(['inspect', '-f', '{{len .NetworkSettings.Networks}}', 'net-b'])).trim(), '1');
  await api.dockerOk(['rm', '-f', 'net-a', 'net-b']);
  await api.dockerOk(['network', 'create', 'api-unused']);
  assert.match(
    await api.dockerOk(['network', 'prune', '-f', '--filter', 'label=app=lesson']),
    /^Deleted Networks:\napi-net\n/,
  );
  assert.equal((await api.dockerOk(['network', 'ls', '-q', '--filter', 'name=api-unused'])).trim().length, 12);
  assert.equal(await api.dockerOk(['network', 'rm', 'api-unused']), 'api-unused\n');
  const missing = await api.docker(['network', 'inspect', 'api-unused']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /api-unused/);
});

test('volumes: create with labels, ls with filters, inspect, rm refused while in use, prune', async () => {
  assert.equal(await api.dockerOk(['volume', 'create', '--label', 'tier=data', 'api-vol']), 'api-vol\n');
  assert.equal(
    await api.dockerOk(['volume', 'ls', '--filter', 'label=tier=data', '--format', '{{.Name}} {{.Driver}}']),
    'api-vol local\n',
  );
  assert.equal(
    (await api.dockerOk(['volume', 'inspect', '-f', '{{.Name}} {{.Labels.tier}} {{.Scope}}', 'api-vol'])).trim(),
    'api-vol data local',
  );
  await api.dockerOk(['run', '-d', '--name', 'vol-user', '-v', 'api-vol:/data', 'busybox', 'sleep', '300']);
  const inUse = await api.docker(['volume', 'rm', 'api-vol']);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /volume is in use/);
  assert.equal(await api.dockerOk(['volume', 'ls', '-q', '--filter', 'dangling=true']), '');
  await api.dockerOk(['rm', '-f', 'vol-user']);
  assert.equal(await api.dockerOk(['volume', 'ls', '-q', '--filter', 'dangling=true']), 'api-vol\n');
  // API 1.41 (Docker 20.10) prunes every unused volume, named ones too
  assert.match(await api.dockerOk(['volume', 'prune', '-f']), /Deleted Volumes:\napi-vol\n/);
  const gone = await api.docker(['volume', 'inspect', 'api-vol']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no such volume/);
});

test('events: past ones with since/until and filters, and new ones followed as other processes make them', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const follower = spawn(
    'docker',
    [
      'events',
      '--filter',
      'type=container',
      '--filter',
      'event=start',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}}',
    ],
    {
      env: { ...process.env, DOCKER_HOST: `unix://${api.socket}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let followed = '';
  follower.stdout.on('data', (b: Buffer) => (followed += b.toString()));
  await sleep(500);
  // made by the stowage CLI, another process: the service sees it in the store
  await env.ok(['run', '-d', '--name', 'ev-one', '--label', 'k=v', 'busybox', 'sleep', '300']);
  await env.ok(['rm', '-f', 'ev-one']);
  for (let i = 0; i < 100 && !followed.includes('start ev-one'); i++) await sleep(100);
  follower.kill();
  assert.equal(followed, 'start ev-one\n');
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const past = await api.dockerOk([
    'events',
    '--since',
    since,
    '--until',
    until,
    '--filter',
    'container=ev-one',
    '--format',
    '{{.Type}} {{.Action}} {{.Actor.Attributes.k}}',
  ]);
  const actions = past.trim().split('\n');
  assert.deepEqual(
    actions.filter((l) => /create|start|die|destroy/.test(l)),
    ['container create v', 'container start v', 'container die v', 'container destroy v'],
  );
  assert.ok(actions.includes('container kill v'), past);
  const line = await api.dockerOk([
    'events',
    '--since',
    since,
    '--until',
    until,
    '--filter',
    'event=destroy',
    '--filter',
    'container=ev-one',
  ]);
  assert.match(
    line,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container destroy [0-9a-f]{64} \(image=busybox, k=v, name=ev-one\)\n$/,
  );
});

/** An exec started on a hijacked connection: what it printed, as raw bytes. */
async function hijackedExec(id: string, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(api.socket, () => {
      const body = JSON.stringify({ Detach: false, Tty: true });
      s.write(
        `POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: stowage\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      if (stdin) setTimeout(() => s.write(stdin), 300);
    });
    let all = Buffer.alloc(0);
    s.on('data', (d) => (all = Buffer.concat([all, d])));
    s.on('error', reject);
    s.on('end', () => resolve(all.subarray(all.indexOf('\r\n\r\n') + 4).toString('utf8')));
  });
}

test('exec with a terminal: a pty of the size asked for, stdin, the exit code in exec inspect', async () => {
  await api.dockerOk(['run', '-d', '--name', 'tty-host', 'busybox', 'sleep', '300']);
  const create = await api.request(
    'POST',
    '/v1.41/containers/tty-host/exec',
    JSON.stringify({
      Cmd: ['sh', '-c', 'tty; stty size; read x; echo got $x; exit 4'],
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
    }),
  );
  assert.equal(create.status, 201);
  const { Id } = JSON.parse(create.body) as { Id: string };
  assert.equal((await api.request('POST', `/v1.41/exec/${Id}/resize?h=21&w=66`)).status, 200);
  const out = await hijackedExec(Id, 'hello\n');
  // the terminal echoes the line sent whenever it arrives: without that echo, tty's and stty's lines in order
  assert.match(out.replace(/(^|\n)hello\r\n/, '$1'), /\/dev\/pts\/\d+\r\n21 66\r\n/);
  assert.match(out, /got hello\r\n/);
  const inspect = JSON.parse((await api.request('GET', `/v1.41/exec/${Id}/json`)).body) as {
    ExitCode: number;
    Running: boolean;
    ProcessConfig: { tty: boolean };
  };
  assert.deepEqual([inspect.ExitCode, inspect.Running, inspect.ProcessConfig.tty], [4, false, true]);
  // the docker CLI: exec -t without a terminal on our side still runs it with one
  assert.match(await api.dockerOk(['exec', '-t', 'tty-host', 'tty']), /^\/dev\/pts\/\d+\r\n$/);
  await api.dockerOk(['rm', '-f', 'tty-host']);
});

test('top, stats, export, rename, update, port; container, image and system prunes; system df', async () => {
  await api.dockerOk(['run', '-d', '--name', 'ops', '-p', '127.0.0.1::80', 'busybox', 'sleep', '300']);
  const top = await api.dockerOk(['top', 'ops']);
  assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n\S+\s+\d+\s+\d+\s+.*sleep 300\n$/);
  assert.match(await api.dockerOk(['top', 'ops', '-o', 'pid,comm']), /^PID\s+COMMAND\n\d+\s+sleep\n$/);
  const stats = await api.dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.MemUsage}}', 'ops']);
  assert.match(stats, /^ops 1 [\d.]+[KMG]?i?B \/ [\d.]+[KMG]iB\n$/);
  const exported = await api.docker(['export', 'ops']);
  assert.equal(exported.code, 0);
  assert.ok(exported.stdout.includes('bin/busybox'), 'the tar holds the root filesystem');
  assert.match(await api.dockerOk(['port', 'ops', '80']), /^127\.0\.0\.1:\d+\n$/);
  await api.dockerOk(['rename', 'ops', 'ops2']);
  assert.equal((await env.ok(['inspect', '-f', '{{.Name}}', 'ops2'])).trim(), '/ops2');
  await api.dockerOk(['update', '--memory', '64m', '--restart', 'on-failure:2', 'ops2']);
  assert.equal(
    (await env.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'ops2'])).trim(),
    '67108864 on-failure',
  );
  await api.dockerOk(['stop', '-t', '0', 'ops2']);
  await api.dockerOk(['run', '--name', 'keep', '--label', 'keep=yes', 'busybox', 'true']);
  assert.match(
    await api.dockerOk(['container', 'prune', '-f', '--filter', 'label!=keep=yes']),
    /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /,
  );
  assert.equal((await api.dockerOk(['ps', '-a', '--format', '{{.Names}}'])).trim(), 'keep');
  // as Docker: an image's containers are counted for system df, not for the image list (-1)
  const listed = JSON.parse((await api.request('GET', '/v1.41/images/json')).body) as Array<{ Containers: number }>;
  assert.deepEqual(
    listed.map((i) => i.Containers),
    [-1],
  );
  const usage = JSON.parse((await api.request('GET', '/v1.41/system/df')).body) as {
    Images: Array<{ Containers: number }>;
  };
  assert.deepEqual(
    usage.Images.map((i) => i.Containers),
    [1],
  );
  await api.dockerOk(['rm', 'keep']);
  const df = await api.dockerOk(['system', 'df']);
  assert.match(df, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+0\s+/);
  const dfv = await api.dockerOk(['system', 'df', '-v']);
  // (the docker CLI prints the unique size with more digits)
  assert.match(dfv, /busybox\s+latest\s+[0-9a-f]{12}\s+.*\s+1\.99MB\s+0B\s+1\.986MB\s+0\n/);
  assert.match(await api.dockerOk(['image', 'prune', '-f']), /^Total reclaimed space: 0B\n$/);
});

/** The status line the service answers a raw request with (the rest of a big body is never sent). */
function rawStatusLine(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(api.socket, () => s.write(head));
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) {
        resolve(got.slice(0, got.indexOf('\r\n')));
        s.destroy();
      }
    });
    s.on('error', reject);
  });
}

test("the image list follows the store: tags from another process and from the service's own requests, each at once", async () => {
  const tags = async () => (await api.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').sort();
  const before = await tags();
  assert.ok(before.includes('busybox:latest'));
  await env.ok(['tag', 'busybox', 'listed:cli']); // another process commits to the store
  assert.ok((await tags()).includes('listed:cli'));
  await api.dockerOk(['tag', 'busybox', 'listed:api']); // the service itself
  assert.ok((await tags()).includes('listed:api'));
  await env.ok(['rmi', 'listed:cli']);
  await api.dockerOk(['rmi', 'listed:api']);
  assert.deepEqual(await tags(), before);
  const filtered = await api.dockerOk(['images', '--filter', 'reference=busy*', '--format', '{{.Repository}}']);
  assert.equal(filtered, 'busybox\n', 'another query, another answer');
});

test("bad requests get Docker's status codes and messages, and the service keeps serving", async () => {
  const notFound = await api.request('GET', '/v1.41/no/such/endpoint');
  assert.deepEqual([notFound.status, JSON.parse(notFound.body).message], [404, 'page not found']);
  const tooNew = await api.request('GET', '/v1.99/version');
  assert.deepEqual(
    [tooNew.status, JSON.parse(tooNew.body).message],
    [400, 'client version 1.99 is too new. Maximum supported API version is 1.41'],
  );
  const tooOld = await api.request('GET', '/v1.5/version');
  assert.equal(tooOld.status, 400);
  assert.match(
    JSON.parse(tooOld.body).message,
    /client version 1\.5 is too old\. Minimum supported API version is 1\.12/,
  );
  const malformed = await api.request('POST', '/v1.41/networks/create', '{"Name": ');
  assert.equal(malformed.status, 400);
  assert.match(
    await rawStatusLine(
      `POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${17 * 1024 * 1024}\r\n\r\n{`,
    ),
    /^HTTP\/1\.1 413 /,
  );
  assert.match(
    await rawStatusLine('POST /v1.41/networks/create HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n'),
    /^HTTP\/1\.1 400 /,
  );
  const noNet = await api.request('GET', '/v1.41/networks/no-such-net');
  assert.deepEqual([noNet.status, JSON.parse(noNet.body).message], [404, 'network no-such-net not found']);
  const noVol = await api.request('DELETE', '/v1.41/volumes/no-such-vol');
  assert.deepEqual([noVol.status, JSON.parse(noVol.body).message], [404, 'get no-such-vol: no such volume']);
  const swarm = await api.request('GET', '/v1.41/services');
  assert.equal(swarm.status, 503);
  assert.match(JSON.parse(swarm.body).message, /This node is not a swarm manager/);
  const badFilter = await api.request(
    'GET',
    `/v1.41/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`,
  );
  assert.deepEqual([badFilter.status, JSON.parse(badFilter.body).message], [400, "Invalid filter 'colour'"]);
  assert.equal(api.running(), true);
  assert.equal((await api.dockerOk(['version', '--format', '{{.Server.Platform.Name}}'])).trim(), 'stowage');
});
