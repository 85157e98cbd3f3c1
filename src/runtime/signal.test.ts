import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSignal } from './signal';

test('signals as Docker parses them: names with or without SIG in any case, 1 to 64, RTMIN+n', () => {
  for (const ok of ['KILL', 'SIGTERM', 'sigint', 'hup', '9', '64', 'RTMIN+3', 'SIGRTMAX-1'])
    assert.ok(isSignal(ok), ok);
  for (const bad of ['FOO', '0', '65', '', 'SIG', '-9', 'KILL9']) assert.ok(!isSignal(bad), bad);
});
