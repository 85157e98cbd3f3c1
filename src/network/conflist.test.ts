import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeConflist } from './conflist';
import type { NetworkConfig } from './types';

const net: NetworkConfig = {
  name: 'n',
  id: 'a'.repeat(64),
  driver: 'bridge',
  bridge: 'stw-aaaaaaaaaaa',
  subnet: '10.70.1.0/24',
  gateway: '10.70.1.1',
  internal: false,
  labels: {},
  options: {},
  created: '',
};

interface Ipam {
  ranges: Array<Array<Record<string, string>>>;
  routes: Array<{ dst: string }>;
}
const ipamOf = (n: NetworkConfig, defaultRoute = true) =>
  bridgeConflist(n, '/ipam', defaultRoute, false).plugins[0].ipam as Ipam;

test('an IPv4 network: one range, the default route only for the first network', () => {
  assert.deepEqual(ipamOf(net).ranges, [[{ subnet: '10.70.1.0/24', gateway: '10.70.1.1' }]]);
  assert.deepEqual(ipamOf(net).routes, [{ dst: '0.0.0.0/0' }]);
  assert.deepEqual(ipamOf(net, false).routes, []);
});

test('an IPv6 pool is a second range only with EnableIPv6: network address, default gateway, sub-range', () => {
  const pool = { subnet: '2001:389::1/64', ipRange: '2001:389::/96' };
  assert.equal(ipamOf({ ...net, ipv6: pool }).ranges.length, 1);
  const ipam = ipamOf({ ...net, ipv6: pool, enableIPv6: true });
  assert.deepEqual(ipam.ranges[1], [
    { subnet: '2001:389::/64', gateway: '2001:389::1', rangeStart: '2001:389::1', rangeEnd: '2001:389::ffff:ffff' },
  ]);
  assert.deepEqual(ipam.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
  const gw = ipamOf({ ...net, ipv6: { ...pool, gateway: '2001:389::ffff' }, enableIPv6: true }, false);
  assert.equal(gw.ranges[1][0].gateway, '2001:389::ffff');
  assert.deepEqual(gw.routes, []);
});
