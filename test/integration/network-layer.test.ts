// The network layer for real (root, CNI plugins, iptables): namespaces made with
// netns.ts, attached with NetworkManager, traffic with busybox inside them.
// Only 127.0.0.1, the engine's own bridges and its namespaces are used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StateDb } from '../../src/metadata/network-state';
import { cniChainName } from '../../src/network/iptables';
import { NetworkManager } from '../../src/network/manager';
import { createNetns, netnsDir, removeNetns } from '../../src/network/netns';
import {
  diffHostState,
  linkGone,
  linkId,
  relevantTo,
  slotTokens,
  snapshotHostState,
  type HostState,
  type LinkId,
} from '../../src/network/host-state';
import { isKind } from '../../src/errdefs';
import { chainsFor, netNaming } from '../../src/network/naming';
import { formatCidr, parseCidr } from '../../src/network/subnet';
import { testSlot } from '../../src/network/test-slot';
import type { NetworkConfig } from '../../src/network/types';

// this process's own pool, bridge names and chains (other test runs may share the host)
const slot = testSlot();

const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : !fs.existsSync('/usr/lib/cni/bridge') || !fs.existsSync('/bin/busybox')
      ? 'needs containernetworking-plugins and busybox-static'
      : false;

const BUSYBOX = '/bin/busybox';

/** Runs busybox in a namespace and waits (with a timeout). */
function inNs(ns: string, args: string[], input?: string, timeoutMs = 10_000) {
  return spawnSync('nsenter', [`--net=${ns}`, BUSYBOX, ...args], { encoding: 'utf8', input, timeout: timeoutMs });
}

/** Starts a long-running process in a namespace; resolves once `ready` says so. */
function startInNs(ns: string, cmd: string[], ready: (child: ChildProcess) => Promise<void>): Promise<ChildProcess> {
  const child = spawn('nsenter', [`--net=${ns}`, ...cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
  return ready(child).then(() => child);
}

/** Polls until a TCP port in a namespace accepts connections. */
async function waitTcp(ns: string, ip: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('nsenter', [`--net=${ns}`, BUSYBOX, 'nc', '-w', '1', ip, String(port)], {
      input: '',
      timeout: 2000,
    });
    if (r.status === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${ip}:${port} never answered in ${ns}`);
}

/** GET / over busybox nc from a namespace (busybox-static's wget crashes in getaddrinfo here); the body. */
function httpInNs(ns: string, ip: string, port: number): string {
  const r = inNs(ns, ['nc', ip, String(port)], 'GET / HTTP/1.0\r\n\r\n');
  const sep = r.stdout.indexOf('\r\n\r\n');
  return sep < 0 ? `(no HTTP answer: status ${r.status} signal ${r.signal} ${r.stderr})` : r.stdout.slice(sep + 4);
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer | string) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

function udpEcho(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    let tries = 0;
    const send = () => {
      if (++tries > 20) {
        clearInterval(timer);
        s.close();
        reject(new Error(`no UDP echo from 127.0.0.1:${port}`));
        return;
      }
      s.send(payload, port, '127.0.0.1');
    };
    const timer = setInterval(send, 250);
    s.on('message', (m) => {
      clearInterval(timer);
      s.close();
      resolve(m.toString());
    });
    s.on('error', (e) => {
      clearInterval(timer);
      s.close();
      reject(e);
    });
    send();
  });
}

/** A TCP port free on 127.0.0.1 and 0.0.0.0 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '0.0.0.0', port: 0 }, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const kill = (c: ChildProcess | undefined) => {
  if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};

describe('network layer on CNI (root)', { skip, concurrency: 1 }, () => {
  let dir: string;
  let m: NetworkManager;
  let user: NetworkConfig;
  let def: NetworkConfig;
  let defLink: LinkId;
  const namespaces: string[] = [];
  const containers = new Set<string>();

  const newNs = async (name: string) => {
    const ns = await createNetns(path.join(dir, 'run'), name);
    namespaces.push(ns);
    return ns;
  };
  const id = (s: string) => (s + '0'.repeat(64)).slice(0, 64);
  /** "10.66." for 10.66.0.0/16, "10.70.0." for 10.70.0.0/24: finds rules naming any address of the subnet. */
  const subnetPrefix = (cidr: string) => {
    const [ip, len] = cidr.split('/');
    return `${ip
      .split('.')
      .slice(0, Math.floor(Number(len) / 8))
      .join('.')}.`;
  };
  const inPools = (cidr: string, pools: string[]) =>
    pools.some((p) => {
      const pool = parseCidr(p);
      const c = parseCidr(cidr);
      return c.prefix >= pool.prefix && c.base >= pool.base && c.base < pool.base + 2 ** (32 - pool.prefix);
    });
  /** What these containers may leave on the host, found by IDs, chain names, bridges and subnets. */
  const ours = (containerIds: string[]) => ({
    networkIds: [def.id, user.id],
    containerIds,
    other: [def.bridge!, user.bridge!, subnetPrefix(def.subnet!), subnetPrefix(user.subnet!)],
  });
  /** Attachments of these containers still recorded. */
  const left = (...cids: string[]) => m.attachments().filter((a) => cids.includes(a.containerId));
  /** Runs body, then kills its processes and detaches its containers whatever happened. */
  const scoped = async (cids: string[], body: (spawned: ChildProcess[]) => Promise<void>) => {
    cids.forEach((c) => containers.add(c));
    const spawned: ChildProcess[] = [];
    try {
      await body(spawned);
    } finally {
      spawned.forEach(kill);
      for (const c of cids) await m.detachAll(c).catch(() => {});
    }
  };

  /** One attach/detach on both networks: the plugins' shared chains and per-bridge rules exist afterwards. */
  const warmUp = async () => {
    const ns = await newNs(`warm${namespaces.length}`);
    const W = id(`3a${namespaces.length}`);
    await scoped([W], async () => {
      await m.attach(W, ns, 'bridge', { name: 'warm', ports: { '80/tcp': [{ HostIp: '', HostPort: '' }] } });
      await m.attach(W, ns, 'appnet', { name: 'warm' });
    });
    await removeNetns(ns);
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-net-'));
    m = new NetworkManager({ root: path.join(dir, 'root'), runroot: path.join(dir, 'run') });
    def = await m.ensureDefault();
    defLink = linkId(def.bridge!)!;
    user = await m.create('appnet');
  });

  after(async () => {
    for (const a of m.attachments()) await m.detachAll(a.containerId).catch(() => {});
    for (const c of containers) await m.detachAll(c).catch(() => {});
    for (const ns of namespaces) await removeNetns(ns).catch(() => {});
    await m.destroy().catch((e: unknown) => console.error('destroy:', e));
    m.close();
    spawnSync('umount', ['-R', '-l', netnsDir(path.join(dir, 'run'))], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(linkGone(defLink), 'default bridge removed');
    assert.ok(!fs.existsSync(`/sys/class/net/${user.bridge}`), 'user bridge removed');
  });

  test('networks: predefined ones, lookups, Docker errors', async () => {
    const names = (await m.list()).map((n) => n.name).sort();
    assert.deepEqual(names, ['appnet', 'bridge', 'host', 'none']);
    assert.equal(def.driver, 'bridge');
    const naming = netNaming();
    assert.match(def.bridge!, new RegExp(`^${naming.defaultBridge(0).slice(0, -1)}\\d$`));
    assert.ok(inPools(def.subnet!, naming.defaultPools) && def.subnet!.endsWith(`/${naming.defaultSize}`), def.subnet);
    assert.equal(user.bridge, naming.userBridge(user.id));
    assert.ok(inPools(user.subnet!, naming.userPools), user.subnet);
    assert.ok(fs.existsSync(`/sys/class/net/${user.bridge}`), 'bridge created with the network');
    assert.equal((await m.inspect(user.id.slice(0, 12))).name, 'appnet');
    assert.equal((await m.inspect('appnet')).id, user.id);
    await assert.rejects(
      m.inspect('nope'),
      (e: Error) => isKind(e, 'not-found') && e.message === 'network nope not found',
    );
    await assert.rejects(
      m.create('appnet'),
      (e: Error) => isKind(e, 'already-exists') && e.message === 'network with name appnet already exists',
    );
    await assert.rejects(
      m.create('bridge'),
      (e: Error) => e.message === 'operation is not permitted on predefined bridge network ',
    );
    await assert.rejects(
      m.remove('host'),
      (e: Error) => isKind(e, 'forbidden') && e.message === 'host is a pre-defined network and cannot be removed',
    );
    await assert.rejects(
      m.create('clash', { subnet: user.subnet }),
      /^Error: Pool overlaps with other one on this address space$/,
    );
    // fixed subnets: the last two /24s of this run's user pool
    const pool = parseCidr(naming.userPools[0]);
    const last24 = (n: number) => formatCidr({ base: pool.base + 2 ** (32 - pool.prefix) - 256 * n, prefix: 24 });
    await assert.rejects(
      m.create('gw', { subnet: last24(2), gateway: '10.9.9.9' }),
      /no matching subnet for gateway 10.9.9.9/,
    );
    const tmp = await m.create('scratch', { subnet: last24(1), labels: { a: 'b' } });
    assert.equal(tmp.gateway, last24(1).replace(/0\/24$/, '1'));
    assert.deepEqual(await m.prune((n) => n.name === 'scratch'), ['scratch']); // appnet has no endpoints yet either
    assert.ok(!fs.existsSync(`/sys/class/net/${tmp.bridge}`));
  });

  test('two namespaces on a user-defined and the default network reach each other by IP', async () => {
    const a = await newNs('a');
    const b = await newNs('b');
    const A = id('a1');
    const B = id('b1');
    await scoped([A, B], async (spawned) => {
      const aDef = await m.attach(A, a, 'bridge', { name: 'alpha' });
      const aUser = await m.attach(A, a, 'appnet', { name: 'alpha', aliases: ['first'] });
      const bDef = await m.attach(B, b, 'bridge', { name: 'beta' });
      const bUser = await m.attach(B, b, 'appnet', { name: 'beta' });
      assert.equal(aDef.InterfaceName, 'eth0');
      assert.equal(aUser.InterfaceName, 'eth1');
      assert.equal(aDef.Gateway, def.gateway);
      assert.equal(aUser.IPPrefixLen, 24);
      assert.match(aUser.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      // one default route, through the first network
      const routes = spawnSync('nsenter', [`--net=${a}`, 'ip', 'route'], { encoding: 'utf8' }).stdout;
      assert.equal(routes.match(/^default/gm)?.length, 1, routes);
      assert.match(routes, new RegExp(`^default via ${def.gateway} dev eth0`, 'm'));

      for (const [ns, ip] of [
        [a, bDef.IPAddress],
        [a, bUser.IPAddress],
        [b, aDef.IPAddress],
        [b, aUser.IPAddress],
      ]) {
        const r = inNs(ns, ['ping', '-c', '1', '-W', '3', ip]);
        assert.equal(r.status, 0, `ping ${ip}: ${r.stdout}${r.stderr}`);
      }
      // nc over the user-defined network
      let got = '';
      const server = spawn('nsenter', [`--net=${b}`, BUSYBOX, 'nc', '-l', '-p', '7777']);
      spawned.push(server);
      server.stdout.on('data', (d: Buffer | string) => (got += d.toString()));
      const done = new Promise((r) => server.on('close', r));
      for (let i = 0; i < 50; i++) {
        const c = inNs(a, ['nc', bUser.IPAddress, '7777'], 'hello over appnet\n', 5000);
        if (c.status === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await done;
      assert.equal(got, 'hello over appnet\n');

      // peers for /etc/hosts
      const peers = m.peers('appnet');
      assert.deepEqual(
        peers.map((p) => [p.name, p.ip, p.aliases]),
        [
          ['alpha', aUser.IPAddress, ['first']],
          ['beta', bUser.IPAddress, []],
        ],
      );
      assert.deepEqual(
        m.endpoints(A).map((e) => e.NetworkName),
        ['bridge', 'appnet'],
      );
      await assert.rejects(
        m.attach(A, a, 'appnet', { name: 'alpha' }),
        /endpoint with name alpha already exists in network appnet/,
      );
      await assert.rejects(m.remove('appnet'), new RegExp(`network appnet id ${user.id} has active endpoints`));

      await m.detachAll(A, a);
      await m.detachAll(B, b);
      assert.deepEqual(left(A, B), []);
      assert.deepEqual(
        JSON.parse(spawnSync('nsenter', [`--net=${a}`, 'ip', '-j', 'link'], { encoding: 'utf8' }).stdout).map(
          (l: { ifname: string }) => l.ifname,
        ),
        ['lo'],
      );
    });
  });

  test('networks are isolated from each other; one MASQUERADE rule per network, put back when flushed', async () => {
    const x = await newNs('iso-x');
    const y = await newNs('iso-y');
    const X = id('150a');
    const Y = id('150b');
    const natRules = () => spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).stdout.split('\n');
    const masq = `-A POSTROUTING -s ${def.subnet} ! -o ${def.bridge} -j MASQUERADE`;
    await scoped([X, Y], async () => {
      const ex = await m.attach(X, x, 'bridge', { name: 'x' });
      const ey = await m.attach(Y, y, 'appnet', { name: 'y' });
      assert.equal(inNs(x, ['ping', '-c', '1', '-W', '1', def.gateway!]).status, 0, 'its own gateway answers');
      assert.notEqual(inNs(x, ['ping', '-c', '1', '-W', '1', ey.IPAddress]).status, 0, 'bridge -> appnet dropped');
      assert.notEqual(inNs(y, ['ping', '-c', '1', '-W', '1', ex.IPAddress]).status, 0, 'appnet -> bridge dropped');
      assert.equal(natRules().filter((l) => l === masq).length, 1);
      assert.ok(!natRules().some((l) => l.includes(cniChainName(def.id, X))), 'no per-container NAT chain');

      // the host's rules flushed (a reboot, an admin): the next attach writes them again
      await m.detachAll(X, x);
      spawnSync('iptables', ['-w', '-t', 'nat', '-D', ...masq.split(' ').slice(1)]);
      await m.attach(X, x, 'bridge', { name: 'x' });
      assert.equal(natRules().filter((l) => l === masq).length, 1, 'the nat table alone flushed');
      await m.detachAll(X, x);
      spawnSync('iptables', ['-w', '-t', 'nat', '-D', ...masq.split(' ').slice(1)]);
      spawnSync('iptables', [
        '-w',
        '-t',
        'filter',
        '-D',
        chainsFor(def.bridge!).forward,
        '-i',
        def.bridge!,
        '-o',
        def.bridge!,
        '-j',
        'ACCEPT',
      ]);
      await m.attach(X, x, 'bridge', { name: 'x' });
      assert.equal(natRules().filter((l) => l === masq).length, 1);
      assert.notEqual(inNs(x, ['ping', '-c', '1', '-W', '1', ey.IPAddress]).status, 0, 'isolated again');
    });
  });

  test('published TCP port: from the host on 127.0.0.1, from a neighbour through the gateway (hairpin)', async () => {
    const srv = await newNs('srv');
    const cli = await newNs('cli');
    const S = id('5e7');
    const C = id('c11');
    const O = id('0e1');
    await scoped([S, C, O], async (spawned) => {
      const hostPort = await freePort();
      const web = path.join(dir, 'www');
      fs.mkdirSync(web, { recursive: true });
      const token = `stowage-${process.pid}-${Date.now()}`;
      fs.writeFileSync(path.join(web, 'index.html'), token);

      const ep = await m.attach(S, srv, 'bridge', {
        name: 'web',
        ports: { '80/tcp': [{ HostIp: '', HostPort: String(hostPort) }] },
      });
      assert.deepEqual(ep.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }] });
      await m.attach(S, srv, 'appnet', { name: 'web' });
      await m.attach(C, cli, 'bridge', { name: 'client' });
      const httpd = spawn('nsenter', [`--net=${srv}`, BUSYBOX, 'httpd', '-f', '-p', '80', '-h', web]);
      spawned.push(httpd);
      await waitTcp(srv, '127.0.0.1', 80);

      assert.equal(await httpGet(`http://127.0.0.1:${hostPort}/`), token);
      assert.equal(httpInNs(cli, def.gateway!, hostPort), token, 'a neighbour through the gateway');
      // the container reaches itself through its own published port too (hairpin mode + SNAT)
      assert.equal(httpInNs(srv, def.gateway!, hostPort), token, 'itself through the gateway');
      assert.equal(fs.readFileSync(`/proc/sys/net/ipv4/conf/${def.bridge}/route_localnet`, 'utf8').trim(), '1');
      assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1');

      // a second container asking for the same host port is refused before anything is set up
      const other = await newNs('other');
      const ipamBefore = snapshotHostState(m.ipamDir).ipam;
      await assert.rejects(
        m.attach(O, other, 'bridge', {
          name: 'web2',
          ports: { '80/tcp': [{ HostIp: '', HostPort: String(hostPort) }] },
        }),
        (e: Error) =>
          new RegExp(
            `^driver failed programming external connectivity on endpoint web2 \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${hostPort} failed: port is already allocated$`,
          ).test(e.message),
      );
      assert.deepEqual(snapshotHostState(m.ipamDir).ipam, ipamBefore);
      assert.deepEqual(left(O), []);

      kill(httpd);
      await m.detachAll(S, srv);
      await m.detachAll(C, cli);
      // nothing forwards the port any more
      await assert.rejects(httpGet(`http://127.0.0.1:${hostPort}/`));
    });
  });

  test('published UDP port (random host port): a real echo through 127.0.0.1', async () => {
    const ns = await newNs('udp');
    const U = id('udb');
    await scoped([U], async (spawned) => {
      const ep = await m.attach(U, ns, 'bridge', {
        name: 'echo',
        ports: { '5353/udp': [{ HostIp: '', HostPort: '' }] },
      });
      const hostPort = Number(ep.Ports['5353/udp'][0].HostPort);
      const [lo, hi] = fs
        .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      assert.ok(hostPort >= lo && hostPort <= hi, `random port ${hostPort} in the ephemeral range`);
      const echo = await startInNs(
        ns,
        [
          process.execPath,
          '-e',
          `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(5353,()=>console.log('ready'))`,
        ],
        (c) =>
          new Promise((resolve, reject) => {
            c.stdout!.once('data', () => resolve());
            c.once('exit', (code) => reject(new Error(`echo server exited ${code}`)));
          }),
      );
      spawned.push(echo);
      assert.equal(await udpEcho(hostPort, 'ping-udp'), 'echo:ping-udp');
      kill(echo);
      await m.detachAll(U, ns);
      assert.deepEqual(left(U), []);
    });
  });

  test('a host port held by another program is refused with Docker 20.10 wording', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (holder.address() as net.AddressInfo).port;
    const ns = await newNs('busy');
    const X = id('b05');
    containers.add(X);
    try {
      const before = snapshotHostState(m.ipamDir);
      await assert.rejects(
        m.attach(X, ns, 'bridge', { name: 'busy', ports: { '80/tcp': [{ HostIp: '', HostPort: String(port) }] } }),
        (e: Error) =>
          isKind(e, 'internal') &&
          new RegExp(
            `^driver failed programming external connectivity on endpoint busy \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${port}: bind: address already in use$`,
          ).test(e.message),
      );
      // nothing was set up (by this process: other test runs may change the host meanwhile)
      const mine = {
        networkIds: [def.id, user.id],
        containerIds: [X],
        other: [...slotTokens(slot!.tag), def.bridge!, user.bridge!],
      };
      assert.deepEqual(diffHostState(relevantTo(before, mine), relevantTo(snapshotHostState(m.ipamDir), mine)), []);
      assert.deepEqual(left(X), []);
    } finally {
      await new Promise((r) => holder.close(r));
      await m.detachAll(X).catch(() => {});
    }
  });

  test('an internal network: no default route, no masquerade, no published ports', async () => {
    const internalNet = await m.create('inside', { internal: true });
    const ns = await newNs('internal');
    const I = id('1e7');
    try {
      await scoped([I], async () => {
        const ep = await m.attach(I, ns, 'inside', { name: 'i', ports: { '80/tcp': [{ HostIp: '', HostPort: '' }] } });
        assert.deepEqual(ep.Ports, {});
        const routes = spawnSync('nsenter', [`--net=${ns}`, 'ip', 'route'], { encoding: 'utf8' }).stdout;
        assert.ok(!/^default/m.test(routes), routes);
        const nat = spawnSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).stdout;
        assert.ok(!nat.includes(I), 'no NAT rule for the container');
        assert.equal(inNs(ns, ['ping', '-c', '1', '-W', '3', internalNet.gateway!]).status, 0, 'the gateway answers');
      });
    } finally {
      await m.remove('inside');
    }
    assert.ok(!fs.existsSync(`/sys/class/net/${internalNet.bridge}`));
    const saved = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
    assert.ok(!saved.includes(internalNet.bridge!) && !saved.includes(internalNet.subnet!), 'its rules went with it');
  });

  test('detach after the namespace is gone removes everything (crash recovery)', async () => {
    const ns = await newNs('crash');
    const K = id('dead');
    containers.add(K);
    await warmUp();
    const tokens = ours([K]);
    const before = relevantTo(snapshotHostState(m.ipamDir), tokens);
    await m.attach(K, ns, 'bridge', { name: 'crash', ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } });
    await m.attach(K, ns, 'appnet', { name: 'crash' });
    const during = relevantTo(snapshotHostState(m.ipamDir), tokens);
    assert.ok(during.iptables.length > before.iptables.length && during.ipam.length === before.ipam.length + 2);
    // a crash in the middle of an ADD: no stored result (the IPAM reservation is used instead)
    const db = new StateDb(m.stateDir);
    db.forgetResult(K, user.id);
    db.close();
    await removeNetns(ns); // the namespace (and the veths) die with the container
    await m.detachAll(K);
    assert.deepEqual(diffHostState(before, relevantTo(snapshotHostState(m.ipamDir), tokens)), []);
    assert.deepEqual(left(K), []);
  });

  test('50 attach/detach cycles leave iptables, links and IPAM exactly as before', { timeout: 900_000 }, async () => {
    const ns = await newNs('cycle');
    const ids = Array.from({ length: 50 }, (_, i) => id(`cyc${i.toString(16)}`));
    ids.forEach((c) => containers.add(c));
    const tcpPort = await freePort();
    const cycle = async (c: string) => {
      await m.attach(c, ns, 'bridge', {
        name: 'cycler',
        ports: { '80/tcp': [{ HostIp: '', HostPort: String(tcpPort) }], '53/udp': [{ HostIp: '', HostPort: '' }] },
      });
      await m.attach(c, ns, 'appnet', { name: 'cycler', aliases: ['c'] });
      await m.detach(c, ns, 'appnet');
      await m.detach(c, ns, user.id); // idempotent: already gone
      await m.detach(c, ns, 'bridge');
    };
    await warmUp(); // the plugins' shared chains exist from here on
    const tokens = ours(ids);
    const full0 = snapshotHostState(m.ipamDir);
    const before = relevantTo(full0, tokens);
    for (const c of ids) await cycle(c);
    const full1 = snapshotHostState(m.ipamDir);
    const after = relevantTo(full1, tokens);
    const count = (s: HostState) => [s.iptables.length, s.ip6tables.length, s.links.length, s.ipam.length];
    assert.deepEqual(count(after), count(before));
    assert.deepEqual(diffHostState(before, after), []);
    // anything else that changed meanwhile is not ours (other programs may touch the host)
    const unrelated = diffHostState(full0, full1);
    assert.deepEqual(relevantTo({ iptables: unrelated, ip6tables: [], links: [], ipam: [] }, tokens).iptables, []);
    assert.ok(
      !full1.links.some((l) => l.includes(`master ${def.bridge}`) || l.includes(`master ${user.bridge}`)),
      'no veth left',
    );
    assert.deepEqual(full1.ipam, full0.ipam);
    assert.deepEqual(left(...ids), []);
  });
});

describe('several stowage roots at once (root)', { skip }, () => {
  test(
    'processes racing to create networks never get overlapping subnets or shared bridges',
    { timeout: 120_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-race-'));
      const script = `
      const { NetworkManager } = require(${JSON.stringify(path.join(__dirname, '../../src/network/manager.js'))});
      const [root, mode] = process.argv.slice(1);
      (async () => {
        const m = new NetworkManager({ root: root + '/root', runroot: root + '/run' });
        if (mode === 'destroy') { await m.destroy(); return; }
        const nets = [await m.ensureDefault(), await m.create('n1'), await m.create('n2')];
        console.log(JSON.stringify(nets.map((n) => ({ bridge: n.bridge, subnet: n.subnet }))));
      })().catch((e) => { console.error(e); process.exit(1); });`;
      const roots = [0, 1, 2, 3].map((i) => path.join(dir, `r${i}`));
      const runScript = (root: string, mode: string) =>
        new Promise<string>((resolve, reject) => {
          const c = spawn(process.execPath, ['-e', script, root, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          c.stdout.on('data', (d: Buffer | string) => (out += d.toString()));
          c.stderr.on('data', (d: Buffer | string) => (err += d.toString()));
          c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
        });
      try {
        const results = await Promise.allSettled(roots.map((r) => runScript(r, 'create')));
        const nets = results.flatMap((r) =>
          r.status === 'fulfilled' ? (JSON.parse(r.value) as Array<{ bridge: string; subnet: string }>) : [],
        );
        assert.deepEqual(
          results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
          [],
        );
        assert.equal(nets.length, 12);
        assert.equal(new Set(nets.map((n) => n.bridge)).size, 12, 'distinct bridges');
        const { parseCidr, overlaps } = await import('../../src/network/subnet');
        for (let i = 0; i < nets.length; i++) {
          for (let j = i + 1; j < nets.length; j++) {
            assert.ok(
              !overlaps(parseCidr(nets[i].subnet), parseCidr(nets[j].subnet)),
              `${nets[i].subnet} vs ${nets[j].subnet}`,
            );
          }
        }
        for (const n of nets) assert.ok(fs.existsSync(`/sys/class/net/${n.bridge}`), n.bridge);
      } finally {
        await Promise.allSettled(roots.map((r) => runScript(r, 'destroy')));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
