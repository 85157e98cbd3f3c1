import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contains, firstHost, formatCidr, intToIp, ipToInt, lastHost, overlaps, parseCidr, pickSubnet } from './subnet';

test('CIDR parsing and arithmetic', () => {
  assert.equal(formatCidr(parseCidr('10.66.0.0/16')), '10.66.0.0/16');
  assert.equal(formatCidr(parseCidr('10.66.3.7/16')), '10.66.0.0/16'); // moved to the network address
  assert.equal(intToIp(ipToInt('255.255.255.255')), '255.255.255.255');
  assert.throws(() => parseCidr('10.0.0.0/33'), /^Error: invalid CIDR address: 10.0.0.0\/33$/);
  assert.throws(() => parseCidr('10.0.0/8'), /invalid CIDR address/);
  const c = parseCidr('10.70.1.0/24');
  assert.equal(firstHost(c), '10.70.1.1');
  assert.equal(lastHost(c), '10.70.1.254');
  assert.ok(contains(c, '10.70.1.200'));
  assert.ok(!contains(c, '10.70.2.1'));
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), c));
  assert.ok(!overlaps(parseCidr('10.70.0.0/24'), c));
});

test('picking the first subnet that overlaps nothing taken', () => {
  const taken = [parseCidr('10.70.0.0/24'), parseCidr('10.70.2.0/23'), parseCidr('192.0.2.0/24')];
  assert.equal(formatCidr(pickSubnet(['10.70.0.0/15'], 24, taken)!), '10.70.1.0/24');
  assert.equal(
    formatCidr(pickSubnet(['10.66.0.0/16', '10.67.0.0/16'], 16, [parseCidr('10.66.5.0/24')])!),
    '10.67.0.0/16',
  );
  assert.equal(pickSubnet(['10.66.0.0/16'], 16, [parseCidr('10.0.0.0/8')]), undefined);
});
