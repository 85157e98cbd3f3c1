import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeRules } from './bridge-rules';
import type { NetworkConfig } from './types';

const net = (internal: boolean): NetworkConfig => ({
  name: 'n',
  id: 'a'.repeat(64),
  driver: 'bridge',
  bridge: 'stw-x',
  subnet: '10.70.3.0/24',
  gateway: '10.70.3.1',
  internal,
  labels: {},
  options: {},
  created: '',
});
const lines = (rules: string[][]) => rules.map((r) => r.join(' '));

test("a network's rules: Docker's bridge driver set, once per network", () => {
  const r = bridgeRules(net(false));
  assert.deepEqual(lines(r.nat), ['-A POSTROUTING -s 10.70.3.0/24 ! -o stw-x -j MASQUERADE']);
  assert.deepEqual(lines(r.filter), [
    '-A STOWAGE-FORWARD -i stw-x -o stw-x -j ACCEPT',
    '-A STOWAGE-FORWARD -o stw-x -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A STOWAGE-FORWARD -o stw-x -m conntrack --ctstate DNAT -j ACCEPT',
    '-A STOWAGE-FORWARD -i stw-x ! -o stw-x -j ACCEPT',
    '-A STOWAGE-ISOLATION-STAGE-1 -i stw-x ! -o stw-x -j STOWAGE-ISOLATION-STAGE-2',
    '-A STOWAGE-ISOLATION-STAGE-2 -o stw-x -j DROP',
  ]);
});

test('an internal network: no masquerade, nothing in or out but its own subnet', () => {
  const r = bridgeRules(net(true));
  assert.deepEqual(r.nat, []);
  assert.deepEqual(lines(r.filter), [
    '-A STOWAGE-FORWARD -i stw-x -o stw-x -j ACCEPT',
    '-A STOWAGE-ISOLATION-STAGE-1 ! -s 10.70.3.0/24 -o stw-x -j DROP',
    '-A STOWAGE-ISOLATION-STAGE-1 ! -d 10.70.3.0/24 -i stw-x -j DROP',
  ]);
});
