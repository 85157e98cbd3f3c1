import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRestart, parseRestartPolicy, validateRestartPolicy, type ExitFacts } from './restart-policy';

test('--restart values parse as the docker CLI parses them, and the engine checks them', () => {
  assert.deepEqual(parseRestartPolicy('no'), { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('on-failure:5'), { Name: 'on-failure', MaximumRetryCount: 5 });
  assert.deepEqual(parseRestartPolicy('always:'), { Name: 'always', MaximumRetryCount: 0 });
  assert.throws(
    () => parseRestartPolicy(':1'),
    /^Error: invalid restart policy format: no policy provided before colon$/,
  );
  assert.throws(() => parseRestartPolicy('on-failure:1.5'), /maximum retry count must be an integer/);
  for (const ok of ['', 'no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'])
    validateRestartPolicy(parseRestartPolicy(ok));
  assert.throws(() => validateRestartPolicy({ Name: 'sometimes', MaximumRetryCount: 0 }), /unknown policy 'sometimes'/);
  assert.throws(
    () => validateRestartPolicy({ Name: 'unless-stopped', MaximumRetryCount: 2 }),
    /can only be used with 'on-failure'/,
  );
  assert.throws(() => validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: -2 }), /cannot be negative/);
});

const exit = (f: Partial<ExitFacts>): ExitFacts => ({
  exitCode: 1,
  manuallyStopped: false,
  restartCount: 0,
  ranMs: 50,
  lastDelayMs: 0,
  ...f,
});

test("the restart manager's decision: by policy, exit code, count and manual stops", () => {
  const p = (raw: string) => parseRestartPolicy(raw);
  assert.equal(nextRestart(undefined, exit({})), undefined);
  assert.equal(nextRestart(p('no'), exit({})), undefined);
  assert.ok(nextRestart(p('always'), exit({ exitCode: 0 })));
  assert.ok(nextRestart(p('unless-stopped'), exit({ exitCode: 0 })));
  assert.equal(nextRestart(p('always'), exit({ manuallyStopped: true })), undefined);
  assert.equal(nextRestart(p('unless-stopped'), exit({ manuallyStopped: true })), undefined);
  assert.equal(nextRestart(p('on-failure'), exit({ exitCode: 0 })), undefined);
  assert.ok(nextRestart(p('on-failure'), exit({ restartCount: 1000 })), 'no maximum: unlimited');
  assert.ok(nextRestart(p('on-failure:2'), exit({ restartCount: 1 })));
  assert.equal(nextRestart(p('on-failure:2'), exit({ restartCount: 2 })), undefined);
});

test('the wait doubles from 100 ms up to a minute, and starts over after a run of 10 s', () => {
  const always = parseRestartPolicy('always');
  const delays: number[] = [];
  let last = 0;
  for (let i = 0; i < 12; i++) {
    last = nextRestart(always, exit({ lastDelayMs: last }))!.delayMs;
    delays.push(last);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  assert.equal(nextRestart(always, exit({ lastDelayMs: 60000, ranMs: 10_000 }))!.delayMs, 100);
});
