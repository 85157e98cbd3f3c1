import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { answer, nameTable, refused, reverseName, servfail, TTL, type DnsEndpoint } from './dns-answers';

const UP = 'a'.repeat(12) + '0'.repeat(52);
const ME = 'b'.repeat(12) + '1'.repeat(52);
const OTHER = 'c'.repeat(64);

const endpoints: DnsEndpoint[] = [
  { network: 'net1', containerId: UP, name: 'upstream', aliases: ['web', 'Www'], ip4: '10.1.0.2', ip6: 'fd00::2' },
  { network: 'net1', containerId: ME, name: 'me', aliases: [], ip4: '10.1.0.3' },
  { network: 'net2', containerId: OTHER, name: 'elsewhere', aliases: [], ip4: '10.2.0.2' },
];

const query = (name: string, type: 'A' | 'AAAA' | 'PTR' | 'MX' = 'A'): Packet => ({
  type: 'query',
  id: 4242,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ type, name, class: 'IN' }],
});

/** The answer, through the wire format and back (what a client gets). */
function ask(name: string, type: 'A' | 'AAAA' | 'PTR' | 'MX' = 'A', links = [{ target: 'upstream', alias: 'bar' }]) {
  const table = nameTable(endpoints, ['net1'], links);
  const out = answer(query(name, type), table);
  return out === 'forward' ? out : dnsPacket.decode(dnsPacket.encode(out));
}

const rcode = (r: unknown) => ((r as Packet).flags ?? 0) & 0xf;

const data = (r: ReturnType<typeof ask>) => {
  assert.notEqual(r, 'forward');
  return (r as Packet).answers?.map((a) => (a as { data: unknown }).data);
};

test('a container name, its aliases (any case) and its short ID resolve to its address', () => {
  for (const n of ['upstream', 'web', 'www', 'WEB', 'aaaaaaaaaaaa', 'upstream.'])
    assert.deepEqual(data(ask(n)), ['10.1.0.2'], n);
  const r = ask('Web') as Packet;
  assert.equal(r.id, 4242);
  assert.equal(rcode(r), 0);
  assert.equal((r.flags ?? 0) & dnsPacket.RECURSION_DESIRED, dnsPacket.RECURSION_DESIRED);
  assert.equal((r.flags ?? 0) & dnsPacket.RECURSION_AVAILABLE, dnsPacket.RECURSION_AVAILABLE);
  assert.equal(r.answers?.[0].name, 'Web');
  assert.equal((r.answers?.[0] as { ttl: number }).ttl, TTL);
});

test('NAME.NETWORK resolves too, as Docker resolves it', () => {
  assert.deepEqual(data(ask('upstream.net1')), ['10.1.0.2']);
  assert.deepEqual(data(ask('web.net1')), ['10.1.0.2']);
  assert.equal(ask('upstream.net2'), 'forward');
});

test("a link's alias resolves for the container holding the link only", () => {
  assert.deepEqual(data(ask('bar')), ['10.1.0.2']);
  assert.deepEqual(data(ask('bar.net1')), ['10.1.0.2']);
  assert.equal(ask('bar', 'A', []), 'forward');
  // by ID prefix too, as --link accepts it
  assert.deepEqual(data(ask('baz', 'A', [{ target: 'aaaa', alias: 'baz' }])), ['10.1.0.2']);
  // a link to a container on no network of the asker names nothing
  assert.equal(ask('far', 'A', [{ target: 'elsewhere', alias: 'far' }]), 'forward');
});

test('a container on another network does not resolve; other names are forwarded', () => {
  assert.equal(ask('elsewhere'), 'forward');
  assert.equal(ask('example.com'), 'forward');
  assert.equal(ask('upstream', 'MX'), 'forward');
});

test("a dotless name nobody has stays unanswered (empty NOERROR) when the container set ndots itself, as Docker's", () => {
  const table = nameTable(endpoints, ['net1'], []);
  const r = answer(query('nobody'), table, { ndotsSet: true });
  assert.notEqual(r, 'forward');
  assert.equal(rcode(r), 0);
  assert.deepEqual((r as Packet).answers, []);
  assert.equal(answer(query('nobody.example'), table, { ndotsSet: true }), 'forward');
  assert.equal(answer(query('nobody'), table), 'forward');
});

test('AAAA: the IPv6 address where there is one, an empty NOERROR for a known name without', () => {
  assert.deepEqual(data(ask('upstream', 'AAAA')), ['fd00::2']);
  const r = ask('me', 'AAAA') as Packet;
  assert.equal(rcode(r), 0);
  assert.deepEqual(r.answers, []);
});

test('PTR: NAME.NETWORK for the addresses of the network, forwarded for others', () => {
  assert.deepEqual(data(ask('2.0.1.10.in-addr.arpa', 'PTR')), ['upstream.net1']);
  assert.deepEqual(data(ask(reverseName('fd00::2'), 'PTR')), ['upstream.net1']);
  assert.equal(ask('2.0.2.10.in-addr.arpa', 'PTR'), 'forward');
});

test('reverseName writes both families as resolvers ask', () => {
  assert.equal(reverseName('10.1.0.2'), '2.0.1.10.in-addr.arpa');
  assert.equal(reverseName('fd00::2'), '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa');
  assert.equal(reverseName('2001:db8:0:0:1::ab'), reverseName('2001:0db8::1:0:0:ab'));
});

test('SERVFAIL and REFUSED keep the id and the question', () => {
  const s = dnsPacket.decode(dnsPacket.encode(servfail(query('x.example'))));
  assert.equal(rcode(s), 2);
  assert.equal(s.id, 4242);
  assert.equal(s.questions?.[0].name, 'x.example');
  assert.equal(rcode(dnsPacket.decode(dnsPacket.encode(refused(query('x'))))), 5);
});
