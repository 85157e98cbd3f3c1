import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isLoopbackAddress,
  parseCidr,
  cidrContains,
  ipBytes,
  parseDaemonConfig,
  normalizeMirror,
} from './daemon-config';
import { RegistryHosts } from './hosts';

const noConfig = () => parseDaemonConfig('{}', 'daemon.json');
/** A resolver that answers what the test says, never the real DNS. */
const resolver = (answers: Record<string, string[]>) => async (name: string) => {
  const a = answers[name];
  if (!a) throw Object.assign(new Error(`lookup ${name}: no such host`), { code: 'ENOTFOUND' });
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

test('loopback is an address, not a name', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '[::1]']) assert.ok(isLoopbackAddress(a), a);
  for (const a of ['128.0.0.1', '10.0.0.1', '::2', 'localhost', '127.attacker.example', ''])
    assert.ok(!isLoopbackAddress(a), a);
});

test('CIDRs of both families', () => {
  const v4 = parseCidr('10.66.0.0/16')!;
  assert.ok(cidrContains(v4, ipBytes('10.66.3.4')!));
  assert.ok(!cidrContains(v4, ipBytes('10.67.0.1')!));
  const v6 = parseCidr('fd00::/8')!;
  assert.ok(cidrContains(v6, ipBytes('fd12::1')!));
  assert.ok(!cidrContains(v6, ipBytes('fe80::1')!));
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('nonsense/8'), undefined);
});

test('a name that merely looks like loopback gets no plain HTTP; one that resolves there does', async () => {
  const hosts = new RegistryHosts(
    noConfig(),
    resolver({
      '127.attacker.example': ['203.0.113.9'],
      localhost: ['127.0.0.1', '::1'],
      'half.example': ['127.0.0.1', '203.0.113.9'],
    }),
  );
  await assert.rejects(
    hosts.routeFor(new URL('http://127.attacker.example:5000/v2/')),
    /refusing plain HTTP to 127\.attacker\.example:5000: it is neither on this machine's loopback nor configured as an insecure registry/,
  );
  assert.equal(await hosts.mayFallBackToHttp('127.attacker.example:5000'), false);
  // every address must be loopback
  await assert.rejects(hosts.routeFor(new URL('http://half.example/v2/')), /refusing plain HTTP/);
  const local = await hosts.routeFor(new URL('http://localhost:5000/v2/'));
  assert.equal(local.scheme, 'http');
  assert.deepEqual(
    local.addresses.map((a) => a.address),
    ['127.0.0.1', '::1'],
    'the connection goes to the addresses checked',
  );
  // TLS is verified, loopback or not
  const tls = await hosts.routeFor(new URL('https://127.attacker.example:5000/v2/'));
  assert.equal(tls.tls?.verify, true);
  assert.equal((await hosts.routeFor(new URL('https://localhost:5000/v2/'))).tls?.verify, true);
  await assert.rejects(
    hosts.routeFor(new URL('https://nothere.example/v2/')),
    /dial tcp: lookup nothere\.example: no such host|lookup nothere/,
  );
});

test('insecure registries by name or network: plain HTTP allowed and certificates not checked', async () => {
  const cfg = parseDaemonConfig(
    JSON.stringify({ 'insecure-registries': ['reg.example:5000', '10.66.0.0/16'] }),
    'daemon.json',
  );
  const hosts = new RegistryHosts(
    cfg,
    resolver({ 'reg.example': ['203.0.113.1'], 'lab.example': ['10.66.1.2'], 'other.example': ['203.0.113.2'] }),
  );
  assert.equal((await hosts.routeFor(new URL('http://reg.example:5000/v2/'))).scheme, 'http');
  assert.equal((await hosts.routeFor(new URL('https://reg.example:5000/v2/'))).tls?.verify, false);
  await assert.rejects(
    hosts.routeFor(new URL('http://reg.example:5001/v2/')),
    /refusing plain HTTP/,
    'another port is another registry',
  );
  assert.equal((await hosts.routeFor(new URL('https://lab.example/v2/'))).tls?.verify, false);
  assert.equal((await hosts.routeFor(new URL('https://other.example/v2/'))).tls?.verify, true);
  hosts.markInsecure('other.example');
  assert.equal((await hosts.routeFor(new URL('https://other.example/v2/'))).tls?.verify, false);
});

test('daemon.json: mirrors as Docker validates them, bad entries named', () => {
  const cfg = parseDaemonConfig(
    JSON.stringify({ 'registry-mirrors': ['https://mirror.example/', 'http://127.0.0.1:5001'], debug: true }),
    'daemon.json',
  );
  assert.deepEqual(cfg.mirrors, ['https://mirror.example', 'http://127.0.0.1:5001']);
  assert.throws(() => normalizeMirror('ftp://x'), /invalid mirror: unsupported scheme "ftp" in "ftp:\/\/x"/);
  assert.throws(() => normalizeMirror('https://x/path'), /invalid mirror: path, query, or fragment at end of the URI/);
  assert.throws(
    () => normalizeMirror('https://u:secret@x'),
    (e: Error) => /username\/password not allowed/.test(e.message) && !e.message.includes('secret'),
  );
  assert.throws(
    () => parseDaemonConfig('{', '/etc/stowage/daemon.json'),
    /\/etc\/stowage\/daemon\.json is not valid JSON/,
  );
  assert.throws(
    () => parseDaemonConfig('{"insecure-registries": "x"}', 'daemon.json'),
    /"insecure-registries" must be a list of strings/,
  );
  assert.throws(() => parseDaemonConfig('{"insecure-registries": ["10.0.0.0/99"]}', 'daemon.json'), /not a valid CIDR/);
});
