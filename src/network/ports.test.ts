import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiPorts,
  effectiveBindings,
  formatPortCommand,
  formatPsPorts,
  naturalLess,
  networkSettingsPorts,
  parseExpose,
  parsePortRange,
  parsePortSpec,
  parsePublish,
  parseUint16,
  splitProtoPort,
  toStandardNotation,
  validatePortBindings,
} from './ports';
import { isKind } from '../errdefs';

const rejects = (spec: string, message: string) =>
  assert.throws(
    () => parsePublish([spec]),
    (err: Error) => {
      assert.equal(err.message, message, `-p ${spec}`);
      assert.ok(isKind(err, 'invalid-argument'));
      return true;
    },
  );

test('-p HOST:CONTAINER, IP:HOST:CONTAINER, IP::CONTAINER, CONTAINER', () => {
  assert.deepEqual(parsePublish(['88:80']), {
    exposedPorts: { '80/tcp': {} },
    portBindings: { '80/tcp': [{ HostIp: '', HostPort: '88' }] },
  });
  assert.deepEqual(parsePublish(['127.0.0.1:8080:80']).portBindings, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
  });
  assert.deepEqual(parsePublish(['192.168.1.100::80']).portBindings, {
    '80/tcp': [{ HostIp: '192.168.1.100', HostPort: '' }],
  });
  assert.deepEqual(parsePublish(['80']).portBindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  // the same container port twice: two bindings, one exposed port
  const twice = parsePublish(['88:80', '127.0.0.1:89:80']);
  assert.deepEqual(Object.keys(twice.exposedPorts), ['80/tcp']);
  assert.equal(twice.portBindings['80/tcp'].length, 2);
});

test('-p protocols: tcp, udp, sctp, case-insensitive, default tcp', () => {
  assert.deepEqual(Object.keys(parsePublish(['53:53/udp', '9:9/SCTP', '80/', '81/tcp']).portBindings), [
    '53/udp',
    '9/sctp',
    '80/tcp',
    '81/tcp',
  ]);
  assert.deepEqual(parsePublish(['192.168.1.100::6000/udp']).portBindings, {
    '6000/udp': [{ HostIp: '192.168.1.100', HostPort: '' }],
  });
});

test('-p ranges: both sides, host range with one container port, container range alone', () => {
  assert.deepEqual(parsePublish(['8000-8002:80-82']).portBindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8000' }],
    '81/tcp': [{ HostIp: '', HostPort: '8001' }],
    '82/tcp': [{ HostIp: '', HostPort: '8002' }],
  });
  // a host range for one container port is a range to pick a port from
  assert.deepEqual(parsePublish(['8000-8010:80']).portBindings, { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] });
  assert.deepEqual(parsePublish(['7000-7001']).portBindings, {
    '7000/tcp': [{ HostIp: '', HostPort: '' }],
    '7001/tcp': [{ HostIp: '', HostPort: '' }],
  });
  assert.deepEqual(parsePortSpec('0.0.0.0:1234-1235:3333-3334/tcp'), [
    { port: '3333/tcp', binding: { HostIp: '0.0.0.0', HostPort: '1234' } },
    { port: '3334/tcp', binding: { HostIp: '0.0.0.0', HostPort: '1235' } },
  ]);
});

test('-p IPv6 host addresses, bracketed or not', () => {
  assert.deepEqual(parsePublish(['[::1]:80:80']).portBindings, { '80/tcp': [{ HostIp: '::1', HostPort: '80' }] });
  assert.deepEqual(parsePublish(['::1:81:80']).portBindings, { '80/tcp': [{ HostIp: '::1', HostPort: '81' }] });
});

test('-p errors: Docker CLI 28 wording (go-connections v0.5.0)', () => {
  rejects('abc', 'invalid containerPort: abc');
  rejects('88:abc', 'invalid containerPort: abc');
  rejects('192.168.1.100', 'invalid containerPort: 192.168.1.100');
  rejects('x:80', 'invalid hostPort: x');
  rejects('70000:80', 'invalid hostPort: 70000');
  rejects('80:70000', 'invalid containerPort: 70000');
  rejects('80:80/foo', 'invalid proto: foo');
  rejects('1.2.3:80:80', 'invalid IP address: 1.2.3');
  rejects('localhost:1234:1234/tcp', 'invalid IP address: localhost');
  rejects('192.168.1.100:-1:-1', 'invalid containerPort: -1');
  rejects('8000-8002:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8000-8002');
  rejects('82-80', 'invalid containerPort: 82-80');
  rejects('88:', 'no port specified: 88:<empty>');
  rejects('/udp', 'no port specified: /udp<empty>');
  rejects('[::1:80:80', "invalid IP address [::1: address [::1:: missing ']' in address");
  rejects('published=8080,target', "invalid publish opts format (should be name=value but got 'target')");
});

test('-p long syntax is converted to the short one', () => {
  assert.equal(toStandardNotation('published=8080,target=80,protocol=udp'), '8080:80/udp');
  assert.equal(toStandardNotation('target=80'), ':80/tcp');
  assert.deepEqual(parsePublish(['published=8080,target=80']).portBindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
  });
});

test('Go-compatible number and range parsing', () => {
  assert.equal(parseUint16('080'), 80);
  assert.equal(parseUint16('65535'), 65535);
  assert.throws(() => parseUint16('65536'), /^Error: strconv.ParseUint: parsing "65536": value out of range$/);
  assert.throws(() => parseUint16('+1'), /parsing "\+1": invalid syntax/);
  assert.throws(() => parseUint16(''), /parsing "": invalid syntax/);
  assert.throws(() => parseUint16('70000x'), /value out of range/); // Go stops at the overflow
  assert.throws(() => parseUint16('7x'), /invalid syntax/);
  assert.deepEqual(parsePortRange('1-2-3'), [1, 2]); // Go reads the first two fields only
  assert.throws(() => parsePortRange('9000-8000'), /invalid range specified for port: 9000-8000/);
  assert.deepEqual(splitProtoPort('80/udp'), ['udp', '80']);
  assert.deepEqual(splitProtoPort('80'), ['tcp', '80']);
  assert.deepEqual(splitProtoPort(''), ['', '']);
});

test('--expose: ranges expand, wrong formats refused with Docker wording', () => {
  assert.deepEqual(parseExpose(['80', '7000-7002/udp']), {
    '80/tcp': {},
    '7000/udp': {},
    '7001/udp': {},
    '7002/udp': {},
  });
  assert.throws(() => parseExpose(['80:80']), /^Error: invalid port format for --expose: 80:80$/);
  assert.throws(
    () => parseExpose(['abc']),
    (e: Error) =>
      e.message === 'invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax',
  );
});

test('-P: every exposed port without a binding gets a random host port; bindings of unexposed ports are ignored', () => {
  const exposed = { '80/tcp': {}, '443/tcp': {}, '53/udp': {} } as const;
  const bindings = { '80/tcp': [{ HostIp: '', HostPort: '88' }], '9999/tcp': [{ HostIp: '', HostPort: '9' }] };
  assert.deepEqual(effectiveBindings(exposed, bindings, true), {
    '53/udp': [{ HostIp: '', HostPort: '' }],
    '80/tcp': [{ HostIp: '', HostPort: '88' }],
    '443/tcp': [{ HostIp: '', HostPort: '' }],
  });
  assert.deepEqual(effectiveBindings(exposed, bindings, false), { '80/tcp': [{ HostIp: '', HostPort: '88' }] });
});

test('API port bindings are validated as the daemon does', () => {
  validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] });
  assert.throws(() => validatePortBindings({ 'abc/tcp': [] }), /^Error: invalid port specification: "abc"$/);
  assert.throws(
    () => validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: 'x' }] }),
    /invalid port specification: "x"/,
  );
});

test('docker ps PORTS: Docker 20.10 daemon (IPv4 and IPv6 bindings), exposed-only, ranges', () => {
  // what a 20.10 daemon reports for -p 88:80: a binding on 0.0.0.0 and one on ::
  const ns20 = {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '88' },
      { HostIp: '::', HostPort: '88' },
    ],
  };
  assert.equal(formatPsPorts(apiPorts(ns20)), '0.0.0.0:88->80/tcp, [::]:88->80/tcp'); // CLI 28
  assert.equal(formatPsPorts(apiPorts(ns20), { cli: '20.10' }), '0.0.0.0:88->80/tcp, :::88->80/tcp');
  assert.equal(
    formatPsPorts(apiPorts({ '53/udp': [{ HostIp: '::', HostPort: '53' }] }), { cli: '20.10' }),
    ':::53->53/udp',
  );
  assert.equal(formatPsPorts(apiPorts({ '53/udp': [{ HostIp: '::', HostPort: '53' }] })), '[::]:53->53/udp');
  // stowage binds IPv4 only
  assert.equal(formatPsPorts(apiPorts({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '88' }] })), '0.0.0.0:88->80/tcp');
  // exposed, not published
  assert.equal(formatPsPorts(apiPorts({ '80/tcp': null, '443/tcp': null })), '80/tcp, 443/tcp');
  // same numbers on both sides collapse into a range
  const same = networkSettingsPorts(
    {},
    {
      '8000/tcp': [{ HostIp: '0.0.0.0', HostPort: '8000' }],
      '8001/tcp': [{ HostIp: '0.0.0.0', HostPort: '8001' }],
      '8002/tcp': [{ HostIp: '0.0.0.0', HostPort: '8002' }],
    },
  );
  assert.equal(formatPsPorts(apiPorts(same)), '0.0.0.0:8000-8002->8000-8002/tcp');
  // different numbers do not collapse (docker/cli DisplayablePorts): one entry each, after the groups
  const shifted = {
    '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8000' }],
    '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '8001' }],
    '82/tcp': [{ HostIp: '0.0.0.0', HostPort: '8002' }],
    '9000/udp': null,
  };
  assert.equal(
    formatPsPorts(apiPorts(shifted)),
    '9000/udp, 0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp, 0.0.0.0:8002->82/tcp',
  );
  // exposed ranges collapse too, per protocol; a gap closes a group, the last ones come in key order
  assert.equal(
    formatPsPorts(apiPorts({ '7000/tcp': null, '7001/tcp': null, '7003/tcp': null, '7000/udp': null })),
    '7000-7001/tcp, 7003/tcp, 7000/udp',
  );
  assert.equal(formatPsPorts([]), '');
});

test('docker port: all lines naturally sorted, one port, errors', () => {
  const ports = {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '88' },
      { HostIp: '::', HostPort: '88' },
    ],
    '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '4443' }],
    '9/udp': [{ HostIp: '127.0.0.1', HostPort: '9009' }],
    '22/tcp': null,
  };
  assert.deepEqual(formatPortCommand(ports, 'web'), [
    '9/udp -> 127.0.0.1:9009',
    '80/tcp -> 0.0.0.0:88',
    '80/tcp -> [::]:88',
    '443/tcp -> 0.0.0.0:4443',
  ]);
  assert.deepEqual(formatPortCommand(ports, 'web', '80'), ['0.0.0.0:88', '[::]:88']);
  assert.deepEqual(formatPortCommand(ports, 'web', '9/udp'), ['127.0.0.1:9009']);
  assert.throws(() => formatPortCommand(ports, 'web', '22'), /^Error: Error: No public port '22' published for web$/);
  assert.throws(() => formatPortCommand(ports, 'web', '81/tcp'), /No public port '81\/tcp' published for web/);
  assert.throws(
    () => formatPortCommand(ports, 'web', 'abc'),
    (e: Error) => e.message === 'Error: invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax',
  );
});

test('natural order: numbers by value, digits before letters', () => {
  const sorted = ['a10', 'a9', 'a09', 'b', '1', 'a'].sort((x, y) =>
    naturalLess(x, y) ? -1 : naturalLess(y, x) ? 1 : 0,
  );
  assert.deepEqual(sorted, ['1', 'a', 'a9', 'a09', 'a10', 'b']);
});
