import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthFromFlags, mergeHealthcheck, probeCommand, probeTimings, validateHealthcheck } from './healthcheck';

test('run flags as the docker CLI makes them a HealthConfig', () => {
  assert.equal(healthFromFlags({}), undefined);
  assert.deepEqual(healthFromFlags({ none: true }), { Test: ['NONE'] });
  assert.deepEqual(healthFromFlags({ cmd: 'curl -f x', interval: 5e9 }), {
    Test: ['CMD-SHELL', 'curl -f x'],
    Interval: 5e9,
  });
  assert.deepEqual(healthFromFlags({ retries: 2 }), { Retries: 2 }, 'timings alone: the image keeps its command');
  assert.throws(() => healthFromFlags({ none: true, retries: 1 }), {
    message: '--no-healthcheck conflicts with --health-* options',
  });
  assert.throws(() => healthFromFlags({ timeout: -1 }), { message: '--health-timeout cannot be negative' });
  assert.throws(() => healthFromFlags({ startPeriod: -1 }), { message: '--health-start-period cannot be negative' });
});

test("the image's healthcheck fills what the container's leaves unset (moby's merge)", () => {
  const image = { Test: ['CMD', 'check'], Interval: 60e9, Retries: 5 };
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({ Interval: 1e9 }, image), { Test: ['CMD', 'check'], Interval: 1e9, Retries: 5 });
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image), { Test: ['NONE'], Interval: 60e9, Retries: 5 });
  assert.deepEqual(mergeHealthcheck({ Test: ['CMD-SHELL', 'x'] }, undefined), { Test: ['CMD-SHELL', 'x'] });
  assert.equal(mergeHealthcheck(undefined, null), undefined);
});

test('what a probe runs, and the defaults', () => {
  assert.deepEqual(probeCommand({ Test: ['CMD-SHELL', 'echo hi'] }), ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(probeCommand({ Test: ['CMD-SHELL', 'echo hi'] }, ['/bin/bash', '-xc']), [
    '/bin/bash',
    '-xc',
    'echo hi',
  ]);
  assert.deepEqual(probeCommand({ Test: ['CMD', 'true', 'x'] }), ['true', 'x']);
  assert.equal(probeCommand({ Test: ['NONE'] }), undefined);
  assert.equal(probeCommand({ Test: ['SOMETHING', 'x'] }), undefined);
  assert.equal(probeCommand({ Interval: 1 }), undefined);
  assert.deepEqual(probeTimings({}), { interval: 30e9, timeout: 30e9, startPeriod: 0, retries: 3 });
  assert.throws(() => validateHealthcheck({ Timeout: 10 }), {
    message: 'Timeout in Healthcheck cannot be less than 1ms',
  });
  assert.throws(() => validateHealthcheck({ Retries: -1 }), { message: 'Retries in Healthcheck cannot be negative' });
  assert.throws(() => validateHealthcheck({ StartPeriod: 5 }), {
    message: 'StartPeriod in Healthcheck cannot be less than 1ms',
  });
});
