// Networking through the CLI: published ports answer on 127.0.0.1 and, from
// other containers, on the bridge gateway; UDP too; containers on a user-defined
// network reach each other by name; bad input is refused; nothing leaks.
// All traffic stays on this machine (loopback and the engine's own bridges).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { REPO, TestEnv, freePort } from '../helpers';
import { diffHostState, relevantTo, slotTokens, snapshotHostState } from '../../src/network/host-state';
import { testSlot } from '../../src/network/test-slot';

const env = new TestEnv();
let udpEcho: string;

before(async () => {
  await env.baseImage('busybox:latest');
  // the page on top of busybox: a container, a file, a commit
  const c = (await env.ok(['run', '-id', 'busybox'])).trim();
  await env.ok(['exec', c, 'sh', '-c', 'mkdir -p /www && echo "<h1>lottery</h1>" > /www/index.html']);
  await env.ok(['commit', '-c', 'CMD ["httpd","-f","-p","80","-h","/www"]', '-c', 'EXPOSE 80', c, 'web:1']);
  await env.ok(['rm', '-f', c]);
  udpEcho = path.join(env.dir, 'udp-echo');
  execFileSync('gcc', ['-static', '-O2', '-o', udpEcho, path.join(REPO, 'test', 'fixtures', 'src', 'udp-echo.c')]);
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  await env.run(['network', 'prune', '-f']);
  env.cleanup();
});

function get(port: number, p = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer | string) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function retry<T>(fn: () => Promise<T>, tries = 40): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('a published port answers on 127.0.0.1, and from another container on the gateway (hairpin)', async () => {
  const port = await freePort();
  await env.ok(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'web:1']);
  assert.equal(await retry(() => get(port)), '<h1>lottery</h1>\n');
  assert.match(
    await env.ok(['ps', '--filter', 'name=web', '--format', '{{.Ports}}']),
    new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`),
  );
  assert.equal((await env.ok(['port', 'web'])).trim(), `80/tcp -> 0.0.0.0:${port}`);
  assert.equal((await env.ok(['port', 'web', '80'])).trim(), `0.0.0.0:${port}`);
  const [settings] = JSON.parse(
    await env.ok(['inspect', '-f', '{{json .NetworkSettings}}', 'web']).then((s) => `[${s}]`),
  );
  assert.match(settings.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(settings.Ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(port) }]);
  assert.ok(settings.Networks.bridge);
  // templates print the docker CLI's typed structs (Docker's documented port example included)
  assert.equal(
    (await env.ok(['inspect', '-f', '{{.NetworkSettings.Ports}}|{{.HostConfig.PortBindings}}', 'web'])).trim(),
    `map[80/tcp:[{0.0.0.0 ${port}}]]|map[80/tcp:[{ ${port}}]]`,
  );
  assert.equal(
    await env.ok([
      'inspect',
      '--format',
      '{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}',
      'web',
    ]),
    ` 80/tcp -> ${port} \n`,
  );
  assert.match(
    await env.ok(['inspect', '-f', '{{.State}}', 'web']),
    /^\{running true false false false false \d+ 0 {2}\S+Z 0001-01-01T00:00:00Z <nil>\}\n$/,
  );
  const parseError = await env.run(['inspect', '-f', '{{nofunc .Id}}', 'web', 'nonexistent']);
  assert.deepEqual(
    [parseError.code, parseError.stdout, parseError.stderr],
    [64, '', 'template parsing error: template: :1: function "nofunc" not defined\n'],
  );
  const gw = settings.Gateway;
  const out = await env.ok([
    'run',
    '--rm',
    'busybox',
    'sh',
    '-c',
    `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc ${gw} ${port}`,
  ]);
  assert.match(out, /HTTP\/1\.[01] 200 OK/);
  assert.match(out, /<h1>lottery<\/h1>/);
  // the container itself has lo and eth0 with its address and a default route
  const ip = await env.ok(['exec', 'web', 'ip', 'addr']);
  assert.match(ip, /\blo\b/);
  assert.match(ip, new RegExp(`inet ${settings.IPAddress.replace(/\./g, '\\.')}/`));
  assert.match(await env.ok(['exec', 'web', 'ip', 'route']), new RegExp(`default via ${gw.replace(/\./g, '\\.')}`));
  assert.match(await env.ok(['exec', 'web', 'cat', '/etc/hosts']), new RegExp(`${settings.IPAddress}\\s`));
  await env.ok(['rm', '-f', 'web']);
});

test('UDP publishing carries a real echo', async () => {
  const port = await freePort('udp');
  await env.ok([
    'run',
    '-d',
    '--name',
    'echo',
    '-p',
    `${port}:9000/udp`,
    '-v',
    `${udpEcho}:/udp-echo:ro`,
    'busybox',
    '/udp-echo',
    '9000',
  ]);
  const reply = await retry(
    () =>
      new Promise<string>((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        const t = setTimeout(() => {
          s.close();
          reject(new Error('no UDP reply'));
        }, 300);
        s.on('message', (m) => {
          clearTimeout(t);
          s.close();
          resolve(m.toString());
        });
        s.send('ping over udp', port, '127.0.0.1');
      }),
  );
  assert.equal(reply, 'ping over udp');
  await env.ok(['rm', '-f', 'echo']);
});

test('-P publishes every exposed port on a free host port', async () => {
  await env.ok(['run', '-d', '--name', 'allports', '-P', 'web:1']);
  const line = (await env.ok(['port', 'allports', '80/tcp'])).trim();
  const port = Number(line.split(':')[1]);
  assert.ok(port > 1024);
  assert.equal(await retry(() => get(port)), '<h1>lottery</h1>\n');
  await env.ok(['rm', '-f', 'allports']);
});

test('containers on a user-defined network reach each other by name', async () => {
  const id = (await env.ok(['network', 'create', 'lessonnet'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(await env.ok(['network', 'ls']), /lessonnet\s+bridge\s+local/);
  await env.ok(['run', '-d', '--name', 'backend', '--network', 'lessonnet', 'web:1']);
  const out = await retry(async () => {
    const o = await env.ok([
      'run',
      '--rm',
      '--network',
      'lessonnet',
      'busybox',
      'sh',
      '-c',
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc backend 80",
    ]);
    if (!o.includes('lottery')) throw new Error(o);
    return o;
  });
  assert.match(out, /<h1>lottery<\/h1>/);
  // a container joining later is known to the earlier one too
  await env.ok(['run', '-d', '--name', 'late', '--network', 'lessonnet', 'busybox', 'sleep', '100']);
  assert.match(await env.ok(['exec', 'backend', 'cat', '/etc/hosts']), /\slate\b/);
  const [inspect] = JSON.parse(await env.ok(['network', 'inspect', 'lessonnet']));
  assert.equal(Object.keys(inspect.Containers).length, 2);
  const rm = await env.run(['network', 'rm', 'lessonnet']);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /has active endpoints/);
  await env.ok(['rm', '-f', 'backend', 'late']);
  assert.equal(await env.ok(['network', 'rm', 'lessonnet']), 'lessonnet\n');
});

test('network connect and disconnect: a running container gets and loses an interface; a stopped one at its next start', async () => {
  await env.ok(['network', 'create', 'front']);
  await env.ok(['network', 'create', 'back']);
  await env.ok(['run', '-d', '--name', 'api', '--network', 'back', 'busybox', 'sleep', '1000']);
  await env.ok(['run', '-d', '--name', 'www', '--network', 'front', 'busybox', 'sleep', '1000']);
  const ifaces = async (c: string) =>
    (await env.ok(['exec', c, 'ip', '-o', 'link']))
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1].trim().replace(/@.*/, ''));
  assert.equal(await env.ok(['network', 'connect', '--alias', 'site', 'back', 'www']), '');
  assert.deepEqual(await ifaces('www'), ['lo', 'eth0', 'eth1']);
  // reachable both ways on the new network, by name and by alias
  assert.equal((await env.run(['exec', 'www', 'ping', '-c', '1', '-W', '3', 'api'])).code, 0);
  assert.equal((await env.run(['exec', 'api', 'ping', '-c', '1', '-W', '3', 'site'])).code, 0);
  assert.equal((await env.ok(['ps', '--filter', 'name=www', '--format', '{{.Networks}}'])).trim(), 'front,back');
  assert.equal(
    await env.ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'www']),
    'back front \n',
  );
  const twice = await env.run(['network', 'connect', 'back', 'www']);
  assert.deepEqual([twice.code, twice.stderr], [1, 'Error: endpoint with name www already exists in network back\n']);
  // kept across a restart
  await env.ok(['restart', '-t', '0', 'www']);
  assert.deepEqual(await ifaces('www'), ['lo', 'eth0', 'eth1']);
  assert.equal(await env.ok(['network', 'disconnect', 'back', 'www']), '');
  assert.deepEqual(await ifaces('www'), ['lo', 'eth0']);
  assert.doesNotMatch(await env.ok(['exec', 'api', 'cat', '/etc/hosts']), /\bsite\b/, 'its peers forgot it');
  const notThere = await env.run(['network', 'disconnect', 'back', 'www']);
  assert.equal(notThere.code, 1);
  assert.match(notThere.stderr, /^Error: container [0-9a-f]{64} is not connected to network back\n$/);
  // a stopped container: recorded, attached when it starts
  await env.ok(['stop', '-t', '0', 'api']);
  await env.ok(['network', 'connect', 'front', 'api']);
  await env.ok(['start', 'api']);
  assert.deepEqual(await ifaces('api'), ['lo', 'eth0', 'eth1']);
  assert.equal((await env.run(['exec', 'api', 'ping', '-c', '1', '-W', '3', 'www'])).code, 0);
  // off its only network and back on it (the soak found the second step refused)
  assert.equal(await env.ok(['network', 'disconnect', 'back', 'api']), '');
  assert.equal(await env.ok(['network', 'disconnect', 'front', 'api']), '');
  assert.deepEqual(await ifaces('api'), ['lo']);
  assert.equal((await env.ok(['ps', '--filter', 'name=api', '--format', '{{.Networks}}'])).trim(), '');
  assert.equal(await env.ok(['network', 'connect', 'back', 'api']), '');
  assert.deepEqual(await ifaces('api'), ['lo', 'eth0']);
  const none = await env.run([
    'network',
    'connect',
    'front',
    (await env.ok(['create', '--network', 'none', 'busybox'])).trim(),
  ]);
  assert.deepEqual(
    [none.code, none.stderr],
    [1, 'Error: container cannot be connected to multiple networks with one of the networks in private (none) mode\n'],
  );
  await env.ok(['rm', '-f', 'api', 'www']);
  assert.equal(await env.ok(['network', 'rm', 'front', 'back']), 'front\nback\n', 'nothing holds them any more');
});

test('--network none and host', async () => {
  const none = await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
  assert.deepEqual(
    none
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1].trim()),
    ['lo'],
  );
  // the host's links, this store's bridge among them (other programs may add or remove links meanwhile)
  const bridge = JSON.parse(await env.ok(['network', 'inspect', 'bridge']))[0].Options[
    'com.docker.network.bridge.name'
  ];
  const host = await env.ok(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
  const names = host
    .trim()
    .split('\n')
    .map((l) => l.split(':')[1].trim().replace(/@.*/, ''));
  assert.ok(names.includes(bridge) && names.includes('lo'), names.join(' '));
  const devices = fs.readdirSync('/sys/class/net').filter((l) => fs.existsSync(`/sys/class/net/${l}/device`));
  assert.deepEqual(
    devices.filter((d) => !names.includes(d)),
    [],
    "the host's network devices",
  );
  // through a container on the host's network (container:X): the same links, and no network sysctls
  // (runc refuses them in the host's namespace; Docker sets them only in a namespace of the container's own)
  const onHost = (await env.ok(['run', '-d', '--network', 'host', 'busybox', 'sleep', '1000'])).trim();
  const viaPeer = await env.ok(['run', '--rm', '--network', `container:${onHost}`, 'busybox', 'ip', '-o', 'link']);
  assert.ok(viaPeer.includes(`: ${bridge}:`), viaPeer);
  // the host's name on its network; container:X takes X's name and /etc files at its start (Docker)
  const showNames = 'hostname; cat /etc/hostname';
  assert.equal(
    await env.ok(['run', '--rm', '--network', `container:${onHost}`, 'busybox', 'sh', '-c', showNames]),
    `${os.hostname()}\n`.repeat(2),
  );
  const named = (
    await env.ok(['run', '-d', '--network', 'none', '--hostname', 'donor', 'busybox', 'sleep', '1000'])
  ).trim();
  const joiner = (await env.ok(['create', '--network', `container:${named}`, 'busybox', 'sh', '-c', showNames])).trim();
  assert.equal(await env.ok(['start', '-a', joiner]), 'donor\ndonor\n');
  assert.equal(await env.ok(['inspect', '-f', '{{.Config.Hostname}}', joiner]), 'donor\n');
  await env.ok(['rm', '-f', onHost, named, joiner]);
});

test('a host port in use, bad port specs and unknown networks are refused before the container starts', async () => {
  const server = net.createServer().listen(0, '0.0.0.0');
  await new Promise((r) => server.once('listening', r));
  const busy = (server.address() as net.AddressInfo).port;
  try {
    const before = snapshotHostState();
    const r = await env.run(['run', '-d', '--name', 'clash', '-p', `${busy}:80`, 'web:1']);
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      new RegExp(
        `Bind for 0\\.0\\.0\\.0:${busy} failed|listen tcp4 0\\.0\\.0\\.0:${busy}: bind: address already in use`,
      ),
    );
    assert.match(await env.ok(['ps', '-a', '--filter', 'name=clash', '--format', '{{.Status}}']), /^Created/);
    const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'clash'])).trim();
    assert.deepEqual(
      diffHostState(
        relevantTo(before, { networkIds: [], containerIds: [id] }),
        relevantTo(snapshotHostState(), { networkIds: [], containerIds: [id] }),
      ),
      [],
    );
    assert.ok(!fs.existsSync(path.join(env.runroot, 'netns', id)));
  } finally {
    server.close();
  }
  const bad = await env.run(['run', '-d', '-p', 'abc', 'busybox']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid containerPort: abc/);
  const proto = await env.run(['run', '-d', '-p', '80/foo', 'busybox']);
  assert.match(proto.stderr, /invalid proto: foo/);
  const unknown = await env.run(['run', '-d', '--network', 'nosuchnet', 'busybox']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /network nosuchnet not found/);
});

test('50 run/rm cycles leave no rule, interface or address behind', async () => {
  const port = await freePort();
  const ids: string[] = [];
  // one warm-up cycle creates the shared chains the plugins keep
  await env.ok(['rm', '-f', (await env.ok(['run', '-d', '-p', `${port}:80`, 'web:1'])).trim()]);
  const ipam = path.join(env.runroot, 'network', 'ipam');
  const [bridgeNet] = JSON.parse(await env.ok(['network', 'inspect', 'bridge']));
  const bridgeId = bridgeNet.Id;
  const bridgeDev = bridgeNet.Options['com.docker.network.bridge.name'];
  const before = snapshotHostState(ipam);
  for (let i = 0; i < 50; i++) {
    const id = (await env.ok(['run', '-d', '-p', `${port}:80`, 'web:1'])).trim();
    ids.push(id);
    await env.ok(['rm', '-f', id]);
  }
  const after = snapshotHostState(ipam);
  // what names this run's bridges and chains, the network, the containers or the port
  const tokens = {
    networkIds: [bridgeId],
    containerIds: ids,
    other: [...slotTokens(testSlot()!.tag), bridgeDev, String(port)],
  };
  const mine = relevantTo(before, tokens);
  assert.ok(
    mine.iptables.some((l) => l.includes(bridgeDev)),
    "the snapshot holds the bridge's own rules (the filter finds something)",
  );
  assert.deepEqual(diffHostState(mine, relevantTo(after, tokens)), []);
  const veths = (st: typeof before) =>
    st.links.filter((l) => /veth/.test(l) && l.includes(`master ${bridgeDev} `)).length;
  assert.equal(veths(after), veths(before), 'no veth left on our bridge');
  const leftIpam = after.ipam.filter((l) => !/lock|last_reserved_ip/.test(l));
  assert.deepEqual(
    leftIpam,
    before.ipam.filter((l) => !/lock|last_reserved_ip/.test(l)),
    'no leaked address',
  );
  assert.equal(fs.readdirSync(path.join(env.runroot, 'netns')).length, 0);
});

test('network create --ipv6 --subnet (IPv6 beside IPv4), run --ip6 and --mac-address; bad IPv6 input refused as Docker does', async () => {
  // a private (ULA) /64 of this test's own
  const prefix = `fdb7:${Math.floor(Math.random() * 0xffff).toString(16)}:${process.pid.toString(16)}:2::`;
  const none = await env.run(['network', 'create', '--ipv6', 'v6none']);
  assert.deepEqual(
    [none.code, none.stderr],
    [
      1,
      'Error: could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network\n',
    ],
  );
  const two = await env.run([
    'network',
    'create',
    '--subnet',
    `${prefix}/64`,
    '--subnet',
    `${prefix.replace(':2::', ':3::')}/64`,
    'v6two',
  ]);
  assert.deepEqual([two.code, two.stderr], [1, "Error: bridge driver doesn't support multiple subnets\n"]);
  await env.ok(['network', 'create', '--ipv6', '--subnet', `${prefix}/64`, '--gateway', `${prefix}fe`, 'v6net']);
  const cfg = (await env.ok(['network', 'inspect', '-f', '{{.EnableIPv6}} {{json .IPAM.Config}}', 'v6net'])).trim();
  assert.match(
    cfg,
    new RegExp(
      `^true \\[\\{"Subnet":"[0-9./]+","Gateway":"[0-9.]+"\\},\\{"Subnet":"${prefix}/64","Gateway":"${prefix}fe"\\}\\]$`,
    ),
  );

  await env.ok([
    'run',
    '-d',
    '--name',
    'v6a',
    '--network',
    'v6net',
    '--ip6',
    `${prefix}f00d`,
    '--mac-address',
    '02:42:ac:11:00:0c',
    'busybox',
    'sleep',
    '300',
  ]);
  const shown = await env.ok([
    'inspect',
    '-f',
    '{{with index .NetworkSettings.Networks "v6net"}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}} {{.MacAddress}}{{end}}',
    'v6a',
  ]);
  assert.equal(shown.trim(), `${prefix}f00d/64 ${prefix}fe 02:42:ac:11:00:0c`);
  assert.match(await env.ok(['exec', 'v6a', 'cat', '/sys/class/net/eth0/address']), /^02:42:ac:11:00:0c$/m);
  await env.ok(['run', '--rm', '--network', 'v6net', 'busybox', 'ping6', '-c1', '-W5', `${prefix}f00d`]);

  const outside = await env.run(['run', '--rm', '--network', 'v6net', '--ip6', 'fdb7::5', 'busybox', 'true']);
  assert.deepEqual(
    [outside.code, outside.stderr.split('\n')[0]],
    [125, "stowage: Error: Invalid address fdb7::5: It does not belong to any of this network's subnets"],
  );
  const bad = await env.run(['run', '--rm', '--network', 'v6net', '--ip6', 'zz', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid IPv6 address: zz/);
  const mac = await env.run(['run', '--rm', '--mac-address', 'zz', 'busybox', 'true']);
  assert.deepEqual([mac.code, mac.stderr.split('\n')[0]], [125, 'stowage: zz is not a valid mac address']);
  await env.ok(['rm', '-f', 'v6a']);
  await env.ok(['network', 'rm', 'v6net']);
});
