// What docker-py's own integration suite (tools/docker-py-suite.ts, not run in
// CI) found the service answering unlike Docker 20.10, each checked here with
// raw Engine API requests as docker-py sends them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { slotNet24, startService, TestEnv, type ApiService } from '../helpers';
import { processStart } from '../../src/util/proc';

const env = new TestEnv('stowage-api-docker-py-');
let api: ApiService;

before(async () => {
  await env.baseImage('busybox:latest');
  api = await startService(env);
});
after(async () => {
  await api.stop();
  env.cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the JSON they expect
const json = <T>(body: string) => JSON.parse(body) as T;

/** A build context holding only this Dockerfile, as a tar. */
function context(dockerfile: string): Buffer {
  const dir = fs.mkdtempSync(path.join(env.dir, 'ctx-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return spawnSync('tar', ['-c', '-C', dir, 'Dockerfile']).stdout;
}

/** A build's JSON messages. */
async function build(query: string, dockerfile: string): Promise<Array<{ stream?: string; error?: string }>> {
  const r = await api.request('POST', `/v1.41/build?${query}`, context(dockerfile), {
    'Content-Type': 'application/x-tar',
  });
  assert.equal(r.status, 200, r.body);
  return r.body
    .trim()
    .split('\n')
    .map((l) => json(l));
}

async function create(body: object, name?: string): Promise<string> {
  const r = await api.request(
    'POST',
    `/v1.41/containers/create${name ? `?name=${name}` : ''}`,
    JSON.stringify({ Image: 'busybox', ...body }),
  );
  assert.equal(r.status, 201, r.body);
  return json<{ Id: string }>(r.body).Id;
}

/** A hijacked POST: everything the service sent after its headers, until it closed the connection. */
function hijacked(urlPath: string, body: string, stdin?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(api.socket, () => {
      s.write(
        `POST ${urlPath} HTTP/1.1\r\nHost: stowage\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      if (stdin) setTimeout(() => s.write(stdin), 500);
    });
    let all = Buffer.alloc(0);
    s.on('data', (d) => (all = Buffer.concat([all, d])));
    s.on('error', reject);
    s.on('close', () => resolve(all.subarray(all.indexOf('\r\n\r\n') + 4)));
  });
}

test('build: extrahosts reach RUN steps, cachefrom limits the cache to those images, stderr comes in red', async () => {
  const hosts = await build(
    't=xh&extrahosts=extrahost.local.test%3A127.0.0.1',
    'FROM busybox\nRUN cp /etc/hosts /hosts-file\n',
  );
  assert.ok(!hosts.some((m) => m.error), JSON.stringify(hosts));
  assert.match(
    await api.dockerOk(['run', '--rm', 'xh', 'cat', '/hosts-file']),
    /^127\.0\.0\.1\textrahost\.local\.test$/m,
  );

  const steps = 'FROM busybox\nENV FOO=bar\nRUN touch baz\n';
  await build('t=cf1', steps);
  const usingCache = (ms: Array<{ stream?: string }>) => ms.filter((m) => m.stream?.includes('Using cache')).length;
  assert.equal(usingCache(await build(`t=cf2&cachefrom=${encodeURIComponent('["cf1"]')}`, steps)), 2);
  assert.equal(usingCache(await build(`t=cf3&cachefrom=${encodeURIComponent('["nosuchtag"]')}`, steps)), 0);
  assert.equal(usingCache(await build('t=cf4', steps)), 2);

  const err = await build('nocache=1', 'FROM busybox\nRUN sh -c ">&2 echo to-stderr"\n');
  assert.ok(
    err.some((m) => m.stream === '\x1b[91mto-stderr\n\x1b[0m'),
    JSON.stringify(err),
  );
});

test('create keeps Tmpfs, Isolation, DeviceCgroupRules, StopTimeout and bare Env keys; the rule reaches the device cgroup', async () => {
  const rule = 'c 7:128 rwm';
  const id = await create({
    Cmd: ['sh', '-c', 'cat /sys/fs/cgroup/devices/devices.list 2>/dev/null || echo no-v1-cgroup'],
    Env: ['Foo', 'Other=one'],
    StopTimeout: 25,
    HostConfig: { Tmpfs: { '/tmp1': 'size=3M' }, Isolation: 'default', DeviceCgroupRules: [rule] },
  });
  const c = json<{ Config: { Env: string[]; StopTimeout: number }; HostConfig: Record<string, unknown> }>(
    (await api.request('GET', `/v1.41/containers/${id}/json`)).body,
  );
  assert.deepEqual(
    [c.HostConfig.Tmpfs, c.HostConfig.Isolation, c.HostConfig.DeviceCgroupRules, c.Config.StopTimeout],
    [{ '/tmp1': 'size=3M' }, 'default', [rule], 25],
  );
  assert.ok(c.Config.Env.includes('Foo') && c.Config.Env.includes('Other=one'), c.Config.Env.join(' '));
  assert.equal((await api.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
  await api.request('POST', `/v1.41/containers/${id}/wait`);
  const logs = await api.dockerOk(['logs', id]);
  if (!logs.includes('no-v1-cgroup')) assert.ok(logs.includes(rule), logs);

  const bad = await api.request(
    'POST',
    '/v1.41/containers/create',
    JSON.stringify({ Image: 'busybox', HostConfig: { DeviceCgroupRules: ['x 1:2 rwm'] } }),
  );
  assert.deepEqual(
    [bad.status, json<{ message: string }>(bad.body).message],
    [400, "invalid device cgroup format 'x 1:2 rwm'"],
  );
});

test('attach with logs and no stream replays a stopped container output; rm with link=1 removes only the legacy link', async () => {
  const id = await create({ Cmd: ['echo', 'hello'] });
  await api.request('POST', `/v1.41/containers/${id}/start`);
  await api.request('POST', `/v1.41/containers/${id}/wait`);
  const out = await hijacked(`/v1.41/containers/${id}/attach?logs=1&stdout=1&stderr=1&stream=0`, '');
  assert.deepEqual(out, Buffer.from([1, 0, 0, 0, 0, 0, 0, 6, ...Buffer.from('hello\n')]));

  await api.dockerOk(['run', '-d', '--name', 'link-target', 'busybox', 'sleep', '300']);
  await api.dockerOk(['run', '-d', '--name', 'link-user', '--link', 'link-target:mylink', 'busybox', 'sleep', '300']);
  assert.equal((await api.request('DELETE', '/v1.41/containers/link-user/mylink?link=1')).status, 204);
  const links = json<{ HostConfig: { Links: string[] | null } }>(
    (await api.request('GET', '/v1.41/containers/link-user/json')).body,
  ).HostConfig.Links;
  assert.equal(links, null);
  assert.equal((await api.request('DELETE', '/v1.41/containers/link-user/mylink?link=1')).status, 404);
  assert.match(await api.dockerOk(['ps', '--format', '{{.Names}}']), /link-target/);
  await api.dockerOk(['rm', '-f', 'link-target', 'link-user']);
});

test("exec: the start's Tty says raw or framed, and the detach keys close the connection", async () => {
  await api.dockerOk(['run', '-d', '--name', 'exec-host', 'busybox', 'sleep', '300']);
  const exec = async (body: object) =>
    json<{ Id: string }>((await api.request('POST', '/v1.41/containers/exec-host/exec', JSON.stringify(body))).body).Id;
  // a terminal exec started with Tty false: its one stream in stdout frames
  const framed = await hijacked(
    `/v1.41/exec/${await exec({ Cmd: ['printf', 'yay'], Tty: true, AttachStdout: true })}/start`,
    JSON.stringify({ Detach: false, Tty: false }),
  );
  assert.deepEqual(framed, Buffer.from([1, 0, 0, 0, 0, 0, 0, 3, ...Buffer.from('yay')]));
  // ctrl-p (docker-py's detachKeys spelling) ends the connection; cat goes on running
  const id = await exec({ Cmd: ['cat'], Tty: true, AttachStdin: true, AttachStdout: true, detachKeys: 'ctrl-p' });
  await hijacked(`/v1.41/exec/${id}/start`, JSON.stringify({ Detach: false, Tty: true }), Buffer.from([0x10]));
  assert.equal(json<{ Running: boolean }>((await api.request('GET', `/v1.41/exec/${id}/json`)).body).Running, true);
  await api.dockerOk(['rm', '-f', 'exec-host']);
});

test("info has Docker's fields; a bad image archive is an error in load's 200 stream; an unknown volume driver is 404", async () => {
  const info = json<Record<string, unknown>>((await api.request('GET', '/v1.41/info')).body);
  for (const k of [
    'Debug',
    'SystemTime',
    'CgroupVersion',
    'IndexServerAddress',
    'LiveRestoreEnabled',
    'ExperimentalBuild',
  ])
    assert.ok(k in info, k);
  const load = await api.request('POST', '/v1.41/images/load', 'abc', { 'Content-Type': 'application/x-tar' });
  assert.equal(load.status, 200);
  assert.ok(json<{ error?: string }>(load.body.trim()).error);
  const vol = await api.request(
    'POST',
    '/v1.41/volumes/create',
    JSON.stringify({ Name: 'v', Driver: 'invalid.driver' }),
  );
  assert.deepEqual(
    [vol.status, json<{ message: string }>(vol.body).message],
    [404, 'error looking up volume plugin invalid.driver: plugin "invalid.driver" not found'],
  );
});

test('networks: IPAM auxiliary addresses kept (and checked to be in the subnet); endpoint links, link-local IPs and driver options kept and shown', async () => {
  const [a, b] = [slotNet24(1), slotNet24(2)];
  const ipam = {
    Driver: 'default',
    Config: [
      {
        Subnet: `${a}.0/24`,
        IPRange: `${a}.128/25`,
        Gateway: `${a}.254`,
        AuxiliaryAddresses: { a: `${a}.5` },
      },
    ],
  };
  const created = await api.request('POST', '/v1.41/networks/create', JSON.stringify({ Name: 'dp-net', IPAM: ipam }));
  assert.equal(created.status, 201, created.body);
  const inspect = json<{ IPAM: { Config: Array<Record<string, unknown>> } }>(
    (await api.request('GET', '/v1.41/networks/dp-net')).body,
  );
  assert.deepEqual(inspect.IPAM.Config[0].AuxiliaryAddresses, { a: `${a}.5` });
  const outside = await api.request(
    'POST',
    '/v1.41/networks/create',
    JSON.stringify({
      Name: 'dp-net2',
      IPAM: { Config: [{ Subnet: `${b}.0/24`, AuxiliaryAddresses: { b: '10.9.9.9' } }] },
    }),
  );
  assert.deepEqual(
    [outside.status, json<{ message: string }>(outside.body).message],
    [400, `auxiliary address: (b:10.9.9.9) must belong to the master pool: ${b}.0/24`],
  );
  assert.equal((await api.request('GET', '/v1.41/networks/dp-net2')).status, 404);

  await api.dockerOk(['run', '-d', '--name', 'dp-up', '--network', 'dp-net', 'busybox', 'sleep', '300']);
  await api.dockerOk(['run', '-d', '--name', 'dp-down', 'busybox', 'sleep', '300']);
  const connect = await api.request(
    'POST',
    '/v1.41/networks/dp-net/connect',
    JSON.stringify({
      Container: 'dp-down',
      EndpointConfig: {
        Links: ['dp-up:bar'],
        DriverOpts: { 'com.example.setting': 'on' },
        IPAMConfig: { LinkLocalIPs: ['169.254.8.8'] },
      },
    }),
  );
  assert.equal(connect.status, 200, connect.body);
  const ep = json<{
    NetworkSettings: {
      Networks: Record<
        string,
        { Links: string[]; DriverOpts: Record<string, string>; IPAMConfig: Record<string, unknown> }
      >;
    };
  }>((await api.request('GET', '/v1.41/containers/dp-down/json')).body).NetworkSettings.Networks['dp-net'];
  assert.deepEqual(
    [ep.Links, ep.DriverOpts, ep.IPAMConfig],
    [['dp-up:bar'], { 'com.example.setting': 'on' }, { LinkLocalIPs: ['169.254.8.8'] }],
  );
  await api.dockerOk(['rm', '-f', 'dp-up', 'dp-down']);
  await api.dockerOk(['network', 'rm', 'dp-net']);
});

test("networks: CheckDuplicate=false makes a second network of a name, with Docker's warning; true refuses it", async () => {
  const create = (body: object) => api.request('POST', '/v1.41/networks/create', JSON.stringify(body));
  const first = await create({ Name: 'dp-dup', CheckDuplicate: true });
  assert.equal(first.status, 201, first.body);
  const firstId = json<{ Id: string }>(first.body).Id;
  const refused = await create({ Name: 'dp-dup', CheckDuplicate: true });
  assert.deepEqual(
    [refused.status, json<{ message: string }>(refused.body).message],
    [409, 'network with name dp-dup already exists'],
  );
  const second = await create({ Name: 'dp-dup', CheckDuplicate: false });
  assert.equal(second.status, 201, second.body);
  const dup = json<{ Id: string; Warning: string }>(second.body);
  assert.notEqual(dup.Id, firstId);
  assert.equal(dup.Warning, `Network with name dp-dup (id : ${firstId}) already exists`);
  assert.equal((await api.request('GET', '/v1.41/networks/dp-dup')).status, 400); // ambiguous by name
  for (const id of [firstId, dup.Id]) assert.equal((await api.request('DELETE', `/v1.41/networks/${id}`)).status, 204);
});

/** A private (ULA) /64 of this test's own. */
const ula = () => `fdb7:${Math.floor(Math.random() * 0xffff).toString(16)}:${process.pid.toString(16)}:1::/64`;

interface Ep {
  IPAMConfig: Record<string, string> | null;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
}
const endpoint = async (c: string, net: string) =>
  json<{ NetworkSettings: { Networks: Record<string, Ep> } }>(
    (await api.request('GET', `/v1.41/containers/${c}/json`)).body,
  ).NetworkSettings.Networks[net];

test('networks: an IPv6 pool without EnableIPv6 is kept and lets IPv6Address be given (recorded, not assigned), as Docker 20.10', async () => {
  const subnet = ula();
  const prefix = subnet.replace('::/64', '::');
  const created = await api.request(
    'POST',
    '/v1.41/networks/create',
    JSON.stringify({ Name: 'dp-v6pool', IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}1/64` }] } }),
  );
  assert.equal(created.status, 201, created.body);
  const net = json<{ EnableIPv6: boolean; IPAM: { Config: Array<Record<string, string>> } }>(
    (await api.request('GET', '/v1.41/networks/dp-v6pool')).body,
  );
  assert.equal(net.EnableIPv6, false);
  assert.equal(net.IPAM.Config.length, 2); // an IPv4 subnet picked, and the IPv6 pool as given
  assert.deepEqual(net.IPAM.Config[1], { Subnet: `${prefix}1/64` });
  // nothing is reserved without EnableIPv6 (libnetwork's IPAM reserves the pool only with it)
  const again = await api.request(
    'POST',
    '/v1.41/networks/create',
    JSON.stringify({ Name: 'dp-v6pool2', IPAM: { Config: [{ Subnet: `${prefix}/64` }] } }),
  );
  assert.equal(again.status, 201, again.body);
  assert.equal((await api.request('DELETE', '/v1.41/networks/dp-v6pool2')).status, 204);
  const id = await create({
    Cmd: ['sleep', '300'],
    HostConfig: { NetworkMode: 'dp-v6pool' },
    NetworkingConfig: { EndpointsConfig: { 'dp-v6pool': { IPAMConfig: { IPv6Address: `${prefix}f00d` } } } },
  });
  assert.equal((await api.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
  const ep = await endpoint(id, 'dp-v6pool');
  assert.deepEqual([ep.IPAMConfig, ep.GlobalIPv6Address], [{ IPv6Address: `${prefix}f00d` }, '']);

  const bad = await api.request(
    'POST',
    '/v1.41/containers/create',
    JSON.stringify({
      Image: 'busybox',
      HostConfig: { NetworkMode: 'dp-v6pool' },
      NetworkingConfig: { EndpointsConfig: { 'dp-v6pool': { IPAMConfig: { IPv6Address: 'zz' } } } },
    }),
  );
  assert.deepEqual([bad.status, json<{ message: string }>(bad.body).message], [400, 'invalid IPv6 address: zz']);
  await api.dockerOk(['rm', '-f', id]);
  await api.dockerOk(['network', 'rm', 'dp-v6pool']);
});

test('networks: EnableIPv6 gives containers an address of the IPv6 pool (a fixed one on connect), reachable on the bridge', async () => {
  const subnet = ula();
  const prefix = subnet.replace('::/64', '::');
  const create6 = (body: object) => api.request('POST', '/v1.41/networks/create', JSON.stringify(body));
  const none = await create6({ Name: 'dp-v6none', EnableIPv6: true });
  assert.deepEqual(
    [none.status, json<{ message: string }>(none.body).message],
    [400, 'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network'],
  );
  const two = await create6({ Name: 'dp-v6two', IPAM: { Config: [{ Subnet: subnet }, { Subnet: ula() }] } });
  assert.deepEqual(
    [two.status, json<{ message: string }>(two.body).message],
    [400, "bridge driver doesn't support multiple subnets"],
  );
  const ok = await create6({
    Name: 'dp-v6',
    EnableIPv6: true,
    IPAM: { Config: [{ Subnet: `${prefix}1/64`, IPRange: `${prefix}/96`, Gateway: `${prefix}ffff` }] },
  });
  assert.equal(ok.status, 201, ok.body);
  const net = json<{ EnableIPv6: boolean; IPAM: { Config: Array<Record<string, string>> } }>(
    (await api.request('GET', '/v1.41/networks/dp-v6')).body,
  );
  assert.equal(net.EnableIPv6, true);
  assert.deepEqual(net.IPAM.Config[1], { Subnet: `${prefix}1/64`, IPRange: `${prefix}/96`, Gateway: `${prefix}ffff` });
  const overlap = await create6({ Name: 'dp-v6b', EnableIPv6: true, IPAM: { Config: [{ Subnet: subnet }] } });
  assert.deepEqual(
    [overlap.status, json<{ message: string }>(overlap.body).message],
    [403, 'Pool overlaps with other one on this address space'],
  );

  await api.dockerOk(['run', '-d', '--name', 'dp-v6a', '--network', 'dp-v6', 'busybox', 'sleep', '300']);
  const a = await endpoint('dp-v6a', 'dp-v6');
  assert.deepEqual([a.GlobalIPv6Address, a.GlobalIPv6PrefixLen, a.IPv6Gateway], [`${prefix}1`, 64, `${prefix}ffff`]);
  await api.dockerOk(['run', '-d', '--name', 'dp-v6c', '--network', 'dp-v6', 'busybox', 'sleep', '300']);
  await api.dockerOk(['network', 'disconnect', 'dp-v6', 'dp-v6c']);
  const outside = await api.request(
    'POST',
    '/v1.41/networks/dp-v6/connect',
    JSON.stringify({ Container: 'dp-v6c', EndpointConfig: { IPAMConfig: { IPv6Address: 'fdb7::1' } } }),
  );
  assert.deepEqual(
    [outside.status, json<{ message: string }>(outside.body).message],
    [400, "Invalid address fdb7::1: It does not belong to any of this network's subnets"],
  );
  const connect = await api.request(
    'POST',
    '/v1.41/networks/dp-v6/connect',
    JSON.stringify({ Container: 'dp-v6c', EndpointConfig: { IPAMConfig: { IPv6Address: `${prefix}f00d` } } }),
  );
  assert.equal(connect.status, 200, connect.body);
  const c = await endpoint('dp-v6c', 'dp-v6');
  assert.deepEqual([c.IPAMConfig, c.GlobalIPv6Address], [{ IPv6Address: `${prefix}f00d` }, `${prefix}f00d`]);
  assert.match(
    await api.dockerOk(['exec', 'dp-v6c', 'ip', '-6', 'addr', 'show', 'eth0']),
    new RegExp(`${prefix}f00d/64`),
  );
  await api.dockerOk(['exec', 'dp-v6a', 'ping6', '-c1', '-W5', `${prefix}f00d`]);
  const members = json<{ Containers: Record<string, { IPv6Address: string }> }>(
    (await api.request('GET', '/v1.41/networks/dp-v6')).body,
  ).Containers;
  assert.deepEqual(
    Object.values(members)
      .map((m) => m.IPv6Address)
      .sort(),
    [`${prefix}1/64`, `${prefix}f00d/64`],
  );
  await api.dockerOk(['rm', '-f', 'dp-v6a', 'dp-v6c']);
  await api.dockerOk(['network', 'rm', 'dp-v6']);
});

test("create: Config.MacAddress is the container's own interface's, shown in inspect", async () => {
  const id = await create({ Cmd: ['sleep', '300'], MacAddress: '02:42:ac:11:00:0a' });
  assert.equal((await api.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
  const c = json<{
    Config: { MacAddress: string };
    NetworkSettings: { MacAddress: string; Networks: Record<string, Ep> };
  }>((await api.request('GET', `/v1.41/containers/${id}/json`)).body);
  assert.deepEqual(
    [c.Config.MacAddress, c.NetworkSettings.MacAddress, c.NetworkSettings.Networks.bridge.MacAddress],
    ['02:42:ac:11:00:0a', '02:42:ac:11:00:0a', '02:42:ac:11:00:0a'],
  );
  assert.match(await api.dockerOk(['exec', id, 'cat', '/sys/class/net/eth0/address']), /^02:42:ac:11:00:0a$/m);
  await api.dockerOk(['rm', '-f', id]);
});

test("networks: a link of EndpointConfig (at create, and at connect) resolves by DNS in the linking container, as docker-py's test_create_with_links and test_connect_with_links check", async () => {
  const subnet = slotNet24(3);
  const made = await api.request(
    'POST',
    '/v1.41/networks/create',
    JSON.stringify({ Name: 'dp-dns', IPAM: { Config: [{ Subnet: `${subnet}.0/24` }] } }),
  );
  assert.equal(made.status, 201, made.body);
  const netId = json<{ Id: string }>(made.body).Id;
  const start = async (id: string) =>
    assert.equal((await api.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
  // at create: the link names a container that does not exist yet
  const linker = await create(
    {
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: 'dp-dns' },
      NetworkingConfig: { EndpointsConfig: { 'dp-dns': { Links: ['dp-dns-up:bar'] } } },
    },
    'dp-dns-linker',
  );
  await start(linker);
  // at connect: a container of the default bridge joins with a link
  const joiner = await create({ Cmd: ['sleep', '300'] }, 'dp-dns-joiner');
  await start(joiner);
  const connect = await api.request(
    'POST',
    '/v1.41/networks/dp-dns/connect',
    JSON.stringify({ Container: joiner, EndpointConfig: { Links: ['dp-dns-up:baz'] } }),
  );
  assert.equal(connect.status, 200, connect.body);
  const up = await create({ Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'dp-dns' } }, 'dp-dns-up');
  await start(up);
  const ip = json<{ NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }>(
    (await api.request('GET', `/v1.41/containers/${up}/json`)).body,
  ).NetworkSettings.Networks['dp-dns'].IPAddress;
  assert.match(ip, new RegExp(`^${subnet.replace(/\./g, '\\.')}\\.`));
  const bar = await api.docker(['exec', 'dp-dns-linker', 'nslookup', 'bar']);
  assert.equal(bar.code, 0, bar.stdout + bar.stderr);
  assert.match(bar.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'));
  // the joiner started on the default bridge: joining the network turned its resolv.conf to the resolver
  const baz = await api.docker(['exec', 'dp-dns-joiner', 'nslookup', 'baz']);
  assert.equal(baz.code, 0, baz.stdout + baz.stderr);
  assert.match(baz.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'));
  // the resolver goes with the network
  const pidFile = path.join(env.runroot, 'network', 'dns', `${netId}.pid`);
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split(' ')[0]);
  await api.dockerOk(['rm', '-f', linker, joiner, up]);
  assert.equal((await api.request('DELETE', '/v1.41/networks/dp-dns')).status, 204);
  assert.equal(fs.existsSync(pidFile), false);
  assert.equal(processStart(pid), undefined, 'the resolver has exited (or waits, a zombie, to be reaped)');
});
