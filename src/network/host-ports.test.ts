// Host port checks. Sockets here bind on this machine only (127.0.0.1 and the
// wildcard address for the check itself); nothing is sent anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { PortError, allocatePorts, parseDnatPorts, portRequests } from './host-ports';

function listenTcp(host: string, port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port }, () => resolve(s));
  });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
const close = (s: net.Server) => new Promise((r) => s.close(r));

test('requests from bindings: host IP, fixed port, range, random', () => {
  assert.deepEqual(
    portRequests({
      '80/tcp': [
        { HostIp: '', HostPort: '88' },
        { HostIp: '127.0.0.1', HostPort: '8000-8010' },
      ],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '' }],
    }),
    [
      { proto: 'tcp', containerPort: 80, hostIp: '', start: 88, end: 88 },
      { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: 8000, end: 8010 },
      { proto: 'udp', containerPort: 53, hostIp: '', start: 0, end: 0 },
    ],
  );
  assert.throws(() => portRequests({ '80/tcp': [{ HostIp: '::1', HostPort: '88' }] }), /IPv4 host addresses only/);
});

test('a port held by a host program is refused with the userland-proxy wording', async () => {
  const srv = await listenTcp('127.0.0.1');
  const port = portOf(srv);
  try {
    // 0.0.0.0:port cannot be bound while 127.0.0.1:port listens
    await assert.rejects(
      allocatePorts([{ proto: 'tcp', containerPort: 80, hostIp: '', start: port, end: port }], []),
      (e: Error) =>
        e instanceof PortError &&
        e.message === `Error starting userland proxy: listen tcp4 0.0.0.0:${port}: bind: address already in use`,
    );
    await assert.rejects(
      allocatePorts([{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: port, end: port }], []),
      new RegExp(`listen tcp4 127.0.0.1:${port}: bind: address already in use`),
    );
  } finally {
    await close(srv);
  }
  // free again: allowed, and the probe socket is closed afterwards
  const [b] = await allocatePorts(
    [{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: port, end: port }],
    [],
  );
  assert.equal(b.hostPort, port);
  await close(await listenTcp('127.0.0.1', port));
});

test('a UDP port held by a host program is refused too', async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind({ address: '127.0.0.1', port: 0 }, () => r()));
  const port = sock.address().port;
  try {
    await assert.rejects(
      allocatePorts([{ proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', start: port, end: port }], []),
      new RegExp(`^Error: Error starting userland proxy: listen udp4 127.0.0.1:${port}: bind: address already in use$`),
    );
  } finally {
    sock.close();
  }
});

test('ports reserved by containers: fixed refused, ranges skip them, 0.0.0.0 clashes with any address', async () => {
  const probe = await listenTcp('127.0.0.1');
  const base = portOf(probe);
  await close(probe);
  const reserved = [{ proto: 'tcp', hostIp: '', hostPort: base }];
  await assert.rejects(
    allocatePorts([{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: base, end: base }], reserved),
    (e: Error) => e.message === `Bind for 127.0.0.1:${base} failed: port is already allocated`,
  );
  // another protocol on the same number is fine
  const [u] = await allocatePorts(
    [{ proto: 'udp', containerPort: 80, hostIp: '127.0.0.1', start: base, end: base }],
    reserved,
  );
  assert.equal(u.hostPort, base);
  // the same port twice in one request
  await assert.rejects(
    allocatePorts(
      [
        { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: base + 1, end: base + 1 },
        { proto: 'tcp', containerPort: 81, hostIp: '127.0.0.1', start: base + 1, end: base + 1 },
      ],
      [],
    ),
    new RegExp(`Bind for 127.0.0.1:${base + 1} failed: port is already allocated`),
  );
  // a range gives its first port neither reserved nor bound
  const [r] = await allocatePorts(
    [{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: base, end: base + 1 }],
    reserved,
  );
  assert.equal(r.hostPort, base + 1);
  await assert.rejects(
    allocatePorts(
      [{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: base, end: base }],
      [{ proto: 'tcp', hostIp: '127.0.0.1', hostPort: base }],
    ),
    /port is already allocated/,
  );
  await assert.rejects(
    allocatePorts(
      [{ proto: 'tcp', containerPort: 80, hostIp: '', start: base, end: base + 1 }],
      [
        { proto: 'tcp', hostIp: '10.1.1.1', hostPort: base },
        { proto: 'tcp', hostIp: '', hostPort: base + 1 },
      ],
    ),
    /^Error: all ports are allocated$/,
  );
});

test('random host ports come from the ephemeral range and avoid reserved ones', async () => {
  const [lo, hi] = (await import('node:fs'))
    .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const got = await allocatePorts(
    [
      { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', start: 0, end: 0 },
      { proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', start: 0, end: 0 },
    ],
    [],
  );
  for (const b of got) assert.ok(b.hostPort >= lo && b.hostPort <= hi, `${b.hostPort} in ${lo}-${hi}`);
  // and the port is usable right after
  await close(await listenTcp('127.0.0.1', got[0].hostPort));
});

test('DNAT rules already in the nat table count as taken', () => {
  const rules = [
    '-P PREROUTING ACCEPT',
    '-A CNI-DN-ebe4a0b9855d8f8312b46 -s 10.66.0.0/16 -p tcp -m tcp --dport 8088 -j CNI-HOSTPORT-SETMARK',
    '-A CNI-DN-ebe4a0b9855d8f8312b46 -p tcp -m tcp --dport 8088 -j DNAT --to-destination 10.66.0.2:80',
    '-A CNI-DN-ebe4a0b9855d8f8312b46 -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.66.0.2:53',
    '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 9000:9001 -j DNAT --to-destination 172.17.0.2:9000-9001',
  ].join('\n');
  assert.deepEqual(parseDnatPorts(rules), [
    { proto: 'tcp', hostIp: '', hostPort: 8088 },
    { proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353 },
    { proto: 'tcp', hostIp: '', hostPort: 9000 },
    { proto: 'tcp', hostIp: '', hostPort: 9001 },
  ]);
});
