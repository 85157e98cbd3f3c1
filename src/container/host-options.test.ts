import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extraHostRecords, parseDnsServer, parseExtraHost, parseUlimit } from './host-options';

test('--add-host as the docker CLI checks it; host-gateway resolved to the network gateway', () => {
  assert.equal(parseExtraHost('db:10.0.0.5'), 'db:10.0.0.5');
  assert.equal(parseExtraHost('db=10.0.0.5'), 'db:10.0.0.5');
  assert.equal(parseExtraHost('v6:[2001:db8::1]'), 'v6:2001:db8::1');
  assert.equal(parseExtraHost('v6=::1'), 'v6:::1');
  assert.equal(parseExtraHost('gw:host-gateway'), 'gw:host-gateway');
  assert.throws(() => parseExtraHost('nohost'), /^Error: bad format for add-host: "nohost"$/);
  assert.throws(() => parseExtraHost(':1.2.3.4'), /bad format for add-host/);
  assert.throws(() => parseExtraHost('h:999.1.1.1'), /^Error: invalid IP address in add-host: "999.1.1.1"$/);
  assert.deepEqual(extraHostRecords(['db:10.0.0.5', 'gw:host-gateway', 'v6:::1'], '10.66.0.1'), [
    { ip: '10.0.0.5', hosts: 'db' },
    { ip: '10.66.0.1', hosts: 'gw' },
    { ip: '::1', hosts: 'v6' },
  ]);
  assert.deepEqual(extraHostRecords(['gw:host-gateway'], undefined), []);
  assert.deepEqual(extraHostRecords(null, undefined), []);
});

test('--dns takes addresses only', () => {
  assert.equal(parseDnsServer('9.9.9.9'), '9.9.9.9');
  assert.equal(parseDnsServer('2620:fe::fe'), '2620:fe::fe');
  assert.throws(() => parseDnsServer('dns.example'), /^Error: IP address is not correctly formatted: dns.example$/);
});

test("--ulimit as go-units' ParseUlimit reads it", () => {
  assert.deepEqual(parseUlimit('nofile=1024'), { Name: 'nofile', Hard: 1024, Soft: 1024 });
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Hard: 2048, Soft: 1024 });
  assert.deepEqual(parseUlimit('core=-1'), { Name: 'core', Hard: -1, Soft: -1 });
  assert.deepEqual(parseUlimit('core=10:-1'), { Name: 'core', Hard: -1, Soft: 10 });
  assert.throws(() => parseUlimit('nofile'), /^Error: invalid ulimit argument: nofile$/);
  assert.throws(() => parseUlimit('files=1'), /^Error: invalid ulimit type: files$/);
  assert.throws(
    () => parseUlimit('nofile=1:2:3'),
    /too many limit value arguments - 1:2:3, can only have up to two, `soft\[:hard\]`/,
  );
  assert.throws(() => parseUlimit('nofile=x'), /strconv.ParseInt: parsing "x": invalid syntax/);
  assert.throws(() => parseUlimit('nofile=-1:10'), /soft: -1 \(unlimited\), hard: 10/);
  assert.throws(() => parseUlimit('nofile=20:10'), /must be less than or equal to hard limit: 20 > 10/);
});
