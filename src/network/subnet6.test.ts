import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bigIntToIp6,
  contains6,
  firstHost6,
  formatCidr6,
  ip6ToBigInt,
  lastHost6,
  overlaps6,
  parseCidr6,
} from './subnet6';

test('IPv6 addresses round-trip in Go’s compressed form', () => {
  for (const [given, want] of [
    ['2001:389::f00d', '2001:389::f00d'],
    ['2001:0389:0000:0000:0000:0000:0000:0001', '2001:389::1'],
    ['fd00:0:0:1:0:0:0:0', 'fd00:0:0:1::'],
    ['::', '::'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:0:2:0:3:0:4:5', '1:0:2:0:3:0:4:5'],
  ])
    assert.equal(bigIntToIp6(ip6ToBigInt(given)), want);
  assert.throws(() => ip6ToBigInt('zz'), { message: 'invalid IPv6 address: zz' });
});

test('IPv6 CIDRs: host bits dropped, containment, overlap, first and last host', () => {
  const c = parseCidr6('2001:389::1/64');
  assert.equal(formatCidr6(c), '2001:389::/64');
  assert.ok(contains6(c, '2001:389::f00d'));
  assert.ok(!contains6(c, '2001:389:0:1::1'));
  assert.equal(firstHost6(c), '2001:389::1');
  assert.equal(lastHost6(parseCidr6('2001:389::/96')), '2001:389::ffff:ffff');
  assert.ok(overlaps6(c, parseCidr6('2001:389::/96')));
  assert.ok(!overlaps6(c, parseCidr6('2001:389:0:1::/64')));
  assert.throws(() => parseCidr6('2001:389::/129'), { message: 'invalid CIDR address: 2001:389::/129' });
  assert.throws(() => parseCidr6('10.0.0.0/8'), { message: 'invalid CIDR address: 10.0.0.0/8' });
});
