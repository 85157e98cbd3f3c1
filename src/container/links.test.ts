import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkEnv, linkHostNames, parseLink } from './links';

test('parseLink reads what the docker CLI reads', () => {
  assert.deepEqual(parseLink('db:database'), { name: 'db', alias: 'database' });
  assert.deepEqual(parseLink('db'), { name: 'db', alias: 'db' });
  assert.deepEqual(parseLink('/db:/app/database'), { name: 'db', alias: 'database' });
  assert.throws(() => parseLink(''), { message: 'empty string specified for links' });
  assert.throws(() => parseLink('a:b:c'), { message: 'bad format for links: a:b:c' });
});

test("linkEnv: moby's variables, a run of three or more ports as START/END, HOME and PATH left out", () => {
  const env = linkEnv({
    name: '/app/my-db',
    childIp: '10.0.0.2',
    childEnv: ['PATH=/bin', 'HOME=/root', 'PASSWORD=x', 'BARE'],
    exposed: { '7001/udp': {}, '7000/udp': {}, '7002/udp': {}, '80/tcp': {}, '80/udp': {} },
  });
  assert.deepEqual(env, [
    'MY_DB_PORT=tcp://10.0.0.2:80',
    'MY_DB_PORT_7000_UDP_START=udp://10.0.0.2:7000',
    'MY_DB_PORT_7000_UDP_ADDR=10.0.0.2',
    'MY_DB_PORT_7000_UDP_PROTO=udp',
    'MY_DB_PORT_7000_UDP_PORT_START=7000',
    'MY_DB_PORT_7000_UDP_END=udp://10.0.0.2:7002',
    'MY_DB_PORT_7000_UDP_PORT_END=7002',
    'MY_DB_PORT_80_TCP=tcp://10.0.0.2:80',
    'MY_DB_PORT_80_TCP_ADDR=10.0.0.2',
    'MY_DB_PORT_80_TCP_PORT=80',
    'MY_DB_PORT_80_TCP_PROTO=tcp',
    'MY_DB_PORT_80_UDP=udp://10.0.0.2:80',
    'MY_DB_PORT_80_UDP_ADDR=10.0.0.2',
    'MY_DB_PORT_80_UDP_PORT=80',
    'MY_DB_PORT_80_UDP_PROTO=udp',
    'MY_DB_PORT_7000_UDP=udp://10.0.0.2:7000',
    'MY_DB_PORT_7000_UDP_ADDR=10.0.0.2',
    'MY_DB_PORT_7000_UDP_PORT=7000',
    'MY_DB_PORT_7000_UDP_PROTO=udp',
    'MY_DB_PORT_7001_UDP=udp://10.0.0.2:7001',
    'MY_DB_PORT_7001_UDP_ADDR=10.0.0.2',
    'MY_DB_PORT_7001_UDP_PORT=7001',
    'MY_DB_PORT_7001_UDP_PROTO=udp',
    'MY_DB_PORT_7002_UDP=udp://10.0.0.2:7002',
    'MY_DB_PORT_7002_UDP_ADDR=10.0.0.2',
    'MY_DB_PORT_7002_UDP_PORT=7002',
    'MY_DB_PORT_7002_UDP_PROTO=udp',
    'MY_DB_NAME=/app/my-db',
    'MY_DB_ENV_PASSWORD=x',
  ]);
  assert.equal(linkHostNames('db', { hostname: 'abc', name: 'web' }), 'db abc web');
  assert.equal(linkHostNames('web', { hostname: 'abc', name: 'web' }), 'web abc');
});
