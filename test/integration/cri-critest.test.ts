// The CRI conformance suite (critest v1.26.1, the kit of scripts/cri-kit.sh)
// against `stowage system cri`, in the kit's mirror mode: stowage passes every
// spec containerd 1.6 passes on this machine (79 of 80); the one containerd
// fails too needs an upstream image digest the offline kit cannot rebuild.
// The whole validation suite runs (80 specs, about 3.5 minutes on a loaded
// 2-core machine, 1 minute on a quiet one); critest's benchmarks, which take
// longer, are behind `scripts/critest.sh --benchmark`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers';

const DIGEST_SPEC = 'Image Manager public image with digest should be pulled and removed';

test('critest: stowage passes the specs containerd passes', { timeout: 25 * 60_000 }, () => {
  const kit = spawnSync(path.join(REPO, 'scripts', 'cri-kit.sh'), [], { encoding: 'utf8', timeout: 8 * 60_000 });
  assert.equal(kit.status, 0, `the kit could not be set up: ${kit.stderr}`);
  const r = spawnSync(path.join(REPO, 'scripts', 'critest.sh'), [], {
    encoding: 'utf8',
    timeout: 16 * 60_000,
    env: { ...process.env, TIMEOUT: '900' },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const summary = /(\d+) passed, (\d+) failed, (\d+) skipped\s*$/.exec(r.stdout.trim());
  assert.ok(summary, `no summary from critest:\n${out}`);
  const [passed, failed] = [Number(summary[1]), Number(summary[2])];
  const failures = out.split('\n').filter((l) => l.startsWith('FAIL '));
  assert.ok(passed >= 79, `only ${passed} specs passed:\n${failures.join('\n')}`);
  assert.ok(
    failures.every((l) => l.includes(DIGEST_SPEC)),
    `failed:\n${failures.join('\n')}`,
  );
  assert.ok(failed <= 1);
});
