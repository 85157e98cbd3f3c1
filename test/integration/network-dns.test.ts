// Names by DNS on user-defined networks (the network's resolver, `system dns`),
// through the CLI: what docker-py's test_create_with_links and
// test_connect_with_links do (a link made before its target exists, at create and
// at `network connect`, then `nslookup bar` in the linking container), names,
// aliases and short IDs, a name on another network unknown, internal networks,
// forwarding to the upstream server (a tiny DNS server of this test on
// 127.0.0.1, handed to the resolver instead of the host's), and the resolver gone
// with `network rm`. busybox's nslookup asks the server in resolv.conf, never /etc/hosts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { TestEnv } from '../helpers';
import { processStart } from '../../src/util/proc';

const env = new TestEnv();
let upstream: dgram.Socket;
let dnsEnv: Record<string, string>;
const asked: string[] = [];

before(async () => {
  await env.baseImage('busybox:latest');
  // the "host's" server: outside.example is 127.0.0.1, every other name NXDOMAIN
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(question.name);
    const known = question.name === 'outside.example' && question.type === 'A';
    const resp = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: q.questions,
      answers: known ? [{ type: 'A', name: question.name, ttl: 60, data: '127.0.0.1' }] : [],
    });
    upstream.send(resp, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  dnsEnv = { STOWAGE_DNS_UPSTREAM: `127.0.0.1:${upstream.address().port}` };
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  await env.run(['network', 'prune', '-f']);
  // no resolver of this store is left
  assert.deepEqual(resolverPids(), []);
  upstream.close();
  env.cleanup();
});

const run = (args: string[]) => env.ok(args, { env: dnsEnv });
const ipOf = async (c: string, net: string) =>
  (await env.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, c])).trim();

/** The live resolvers of this store: pid files whose process runs. */
function resolverPids(): number[] {
  const dir = path.join(env.runroot, 'network', 'dns');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').split(' ')[0]))
    .filter((pid) => processStart(pid) !== undefined);
}

/** busybox nslookup's answer: the addresses after "Name:", or the failure. */
async function lookup(
  container: string,
  name: string,
  type = 'a',
): Promise<{ code: number; addresses: string[]; out: string }> {
  const r = await env.run(['exec', container, 'nslookup', `-type=${type}`, name]);
  const addresses = [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
  return { code: r.code, addresses, out: r.stdout + r.stderr };
}

test("a link made at create, before its target exists, resolves by DNS for the linking container (docker-py's test_create_with_links)", async () => {
  await run(['network', 'create', 'dnsa']);
  await run(['run', '-d', '--name', 'linker', '--network', 'dnsa', '--link', 'dns-up:bar', 'busybox', 'sleep', '600']);
  await run([
    'run',
    '-d',
    '--name',
    'dns-up',
    '--network',
    'dnsa',
    '--network-alias',
    'upalias',
    'busybox',
    'sleep',
    '600',
  ]);
  const ip = await ipOf('dns-up', 'dnsa');
  const gateway = (await env.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'dnsa'])).trim();
  // the resolver is the network's gateway; search and options as Docker writes them for its 127.0.0.11
  const resolv = await env.ok(['exec', 'linker', 'cat', '/etc/resolv.conf']);
  assert.match(resolv, new RegExp(`^nameserver ${gateway.replace(/\./g, '\\.')}$`, 'm'));
  assert.equal(resolv.match(/^nameserver/gm)?.length, 1);
  assert.match(resolv, /^options .*ndots:0/m);
  const r = await lookup('linker', 'bar');
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.addresses, [ip]);
  // the container's name, its alias, its short ID, NAME.NETWORK
  const shortId = (await env.ok(['inspect', '-f', '{{.Id}}', 'dns-up'])).slice(0, 12);
  for (const name of ['dns-up', 'upalias', shortId, 'dns-up.dnsa'])
    assert.deepEqual((await lookup('linker', name)).addresses, [ip], name);
  // the link is the linking container's alone
  const other = await lookup('dns-up', 'bar');
  assert.notEqual(other.code, 0, other.out);
  // over TCP too (two-byte length, message): asked from the host, which no container of the
  // network is, the query is refused
  const tcp = await new Promise<Buffer>((resolve, reject) => {
    const q = dnsPacket.streamEncode({ type: 'query', id: 77, questions: [{ type: 'A', name: 'dns-up' }] });
    const s = net.connect(53, gateway, () => s.write(q));
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
  const refused = dnsPacket.streamDecode(tcp);
  assert.equal(refused.id, 77);
  assert.equal((refused.flags ?? 0) & 0xf, 5, 'REFUSED');
  // a reverse lookup names the container on the network
  const ptr = await env.run(['exec', 'linker', 'nslookup', ip]);
  assert.match(ptr.stdout, /name = dns-up\.dnsa/);
});

test("a link made at network connect resolves too (docker-py's test_connect_with_links); names of other networks do not", async () => {
  await run(['network', 'create', 'dnsb']);
  await run(['run', '-d', '--name', 'joiner', 'busybox', 'sleep', '600']);
  await run(['network', 'connect', '--link', 'dns-up2:bar', 'dnsb', 'joiner']);
  await run(['run', '-d', '--name', 'dns-up2', '--network', 'dnsb', 'busybox', 'sleep', '600']);
  // joining its first user-defined network, the container's resolv.conf turns to that network's
  // resolver (Docker's sandbox turns to 127.0.0.11 then)
  const gateway = (await env.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'dnsb'])).trim();
  assert.match(
    await env.ok(['exec', 'joiner', 'cat', '/etc/resolv.conf']),
    new RegExp(`^nameserver ${gateway.replace(/\./g, '\\.')}$`, 'm'),
  );
  const r = await lookup('joiner', 'bar');
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.addresses, [await ipOf('dns-up2', 'dnsb')]);
  // dns-up lives on dnsa only: unknown here, and the upstream says NXDOMAIN
  await run(['run', '-d', '--name', 'lonely', '--network', 'dnsb', 'busybox', 'sleep', '600']);
  const none = await lookup('lonely', 'dns-up');
  assert.notEqual(none.code, 0, none.out);
  assert.match(none.out, /NXDOMAIN/);
  assert.ok(asked.includes('dns-up'), 'a name the network does not know goes to the upstream server');
  // leaving it, the host's servers again
  await run(['network', 'disconnect', 'dnsb', 'joiner']);
  const resolv = await env.ok(['exec', 'joiner', 'cat', '/etc/resolv.conf']);
  assert.doesNotMatch(resolv, new RegExp(`^nameserver ${gateway.replace(/\./g, '\\.')}$`, 'm'));
  assert.doesNotMatch(resolv, /ndots:0/);
});

test('other names are forwarded to the upstream server; an internal network resolves its own names and forwards nothing', async () => {
  assert.deepEqual((await lookup('linker', 'outside.example')).addresses, ['127.0.0.1']);
  await run(['network', 'create', '--internal', 'dnsi']);
  await run(['run', '-d', '--name', 'inner1', '--network', 'dnsi', 'busybox', 'sleep', '600']);
  await run(['run', '-d', '--name', 'inner2', '--network', 'dnsi', 'busybox', 'sleep', '600']);
  assert.deepEqual((await lookup('inner1', 'inner2')).addresses, [await ipOf('inner2', 'dnsi')]);
  const before = asked.length;
  const out = await lookup('inner1', 'outside.example');
  assert.notEqual(out.code, 0, out.out);
  assert.equal(asked.length, before, 'nothing asked upstream from an internal network');
});

test('a resolver whose network has had no container for its idle time exits by itself', async () => {
  const idleEnv = { ...dnsEnv, STOWAGE_DNS_IDLE_MS: '1000' };
  const id = (await env.ok(['network', 'create', 'dnsidle'], { env: idleEnv })).trim();
  await env.ok(['run', '--rm', '--network', 'dnsidle', 'busybox', 'true'], { env: idleEnv });
  const pidFile = path.join(env.runroot, 'network', 'dns', `${id}.pid`);
  assert.ok(fs.existsSync(pidFile), 'the first container started it');
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split(' ')[0]);
  for (let i = 0; i < 100 && processStart(pid) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(processStart(pid), undefined, 'gone with no container left');
  assert.equal(fs.existsSync(pidFile), false, 'its pid file with it');
  await env.ok(['network', 'rm', 'dnsidle']);
});

test('network rm stops the resolver at once; system check finds none left', async () => {
  const pids = resolverPids();
  assert.equal(pids.length, 3, 'one resolver per user-defined network (dnsa, dnsb, dnsi)');
  await env.ok(['rm', '-f', 'linker', 'dns-up', 'joiner', 'dns-up2', 'lonely', 'inner1', 'inner2']);
  await env.ok(['network', 'rm', 'dnsa', 'dnsb']);
  assert.equal(resolverPids().length, 1);
  await env.ok(['network', 'prune', '-f']);
  assert.deepEqual(resolverPids(), []);
  // (a zombie until whoever adopted it reaps it)
  for (const pid of pids) assert.equal(processStart(pid), undefined, `resolver ${pid} is gone`);
  assert.equal((await env.run(['system', 'check'])).stdout.includes('resolver'), false);
});
