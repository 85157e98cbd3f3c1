import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeTag, chainsFor, isStowageBridgeName, netNaming } from './naming';
import { hasWord } from './host-state';

test('without the test variables: the defaults users get', () => {
  const n = netNaming({});
  assert.deepEqual(
    [n.tag, n.defaultPools, n.defaultSize, n.userPools, n.userSize],
    ['', ['10.66.0.0/15', '10.68.0.0/15', '10.80.0.0/12'], 16, ['10.70.0.0/15'], 24],
  );
  assert.equal(n.defaultBridge(2), 'stowage2');
  assert.equal(n.userBridge('0123456789abcdef'), 'stw-0123456789a');
  assert.deepEqual(chainsFor('stowage0'), {
    forward: 'STOWAGE-FORWARD',
    isolation1: 'STOWAGE-ISOLATION-STAGE-1',
    isolation2: 'STOWAGE-ISOLATION-STAGE-2',
  });
  assert.deepEqual(chainsFor('stw-0123456789a').forward, 'STOWAGE-FORWARD');
});

test('a test run: its own pool halves, bridge names and chains', () => {
  const n = netNaming({ STOWAGE_TEST_NETPOOL: '10.131.0.0/16', STOWAGE_TEST_NETPREFIX: 't3' });
  assert.deepEqual(
    [n.tag, n.defaultPools, n.defaultSize, n.userPools, n.userSize],
    ['t3', ['10.131.0.0/17'], 20, ['10.131.128.0/17'], 24],
  );
  assert.equal(n.defaultBridge(0), 'stwt3-0');
  assert.equal(n.userBridge('0123456789abcdef'), 'stwt3-012345678');
  assert.equal(bridgeTag('stwt3-012345678'), 't3');
  assert.deepEqual(chainsFor('stwt3-0'), {
    forward: 'STWT3-FORWARD',
    isolation1: 'STWT3-ISOLATION-STAGE-1',
    isolation2: 'STWT3-ISOLATION-STAGE-2',
  });
  assert.ok(['stowage0', 'stw-0123456789a', 'stwt3-0'].every(isStowageBridgeName));
  assert.ok(!['eth0', 'docker0', 'stw-x', 'sref1234'].some(isStowageBridgeName));
  assert.throws(
    () => netNaming({ STOWAGE_TEST_NETPREFIX: 'Bad!', STOWAGE_TEST_NETPOOL: '10.1.0.0/16' }),
    /must be 1 to 4 of a-z and 0-9/,
  );
  assert.throws(() => netNaming({ STOWAGE_TEST_NETPREFIX: 't1' }), /needs STOWAGE_TEST_NETPOOL/);
  assert.throws(
    () => netNaming({ STOWAGE_TEST_NETPREFIX: 't1', STOWAGE_TEST_NETPOOL: '10.1.0.0/24' }),
    /a \/8 to \/20/,
  );
});

test('hasWord: tokens as whole words, prefixes where they end in - or .', () => {
  assert.ok(hasWord('-A STOWAGE-FORWARD -i stowage1 -o stowage1 -j ACCEPT', 'stowage1'));
  assert.ok(!hasWord('-A STOWAGE-FORWARD -i stowage10 -j ACCEPT', 'stowage1'));
  assert.ok(hasWord('-A STWT3-FORWARD -i stwt3-0 -j ACCEPT', 'stwt3-'));
  assert.ok(!hasWord('-A STWT13-FORWARD -i stwt13-0 -j ACCEPT', 'stwt3-'));
  assert.ok(hasWord('-A POSTROUTING -s 10.66.0.0/16 ! -o stowage0 -j MASQUERADE', '10.66.'));
  assert.ok(!hasWord('-A POSTROUTING -s 110.66.0.0/16 -j MASQUERADE', '10.66.'));
  assert.ok(!hasWord('-d 10.10.66.1', '10.66.'));
});
