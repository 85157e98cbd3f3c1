// The soak in the suite: 8 clients (two through the Engine API) doing
// run/exec/commit/load/rmi, volume and network work on one store at once, a
// round each; afterwards the store checks clean, every image
// saves whole, and the host holds nothing more than before (mounts, veths,
// rules, namespace files, monitors, the service's descriptors). The nightly
// form runs the same for ten minutes: node dist/tools/soak.js --minutes 10.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, isRoot } from '../helpers';
import { leftover, soak } from '../soak';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

test(
  '8 clients at once on one store leave nothing behind',
  { skip: !isRoot && 'needs root', timeout: 1_800_000 },
  async () => {
    const report = await soak(env, { clients: 8, rounds: 1 });
    assert.deepEqual(report.failures, []);
    assert.equal(report.rounds, 8);
    assert.deepEqual(report.check, { code: 0, stdout: '', stderr: '' }, 'system check finds nothing');
    assert.deepEqual(report.brokenImages, []);
    assert.deepEqual(
      leftover(report.before, report.after),
      {},
      'no mount, veth, rule, namespace, monitor or descriptor left',
    );
  },
);
