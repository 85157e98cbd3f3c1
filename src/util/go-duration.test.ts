import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, parseGoDuration } from './go-duration';

test('parseGoDuration reads what time.ParseDuration reads', () => {
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5s'), 1.5e9);
  assert.equal(parseGoDuration('500ms'), 5e8);
  assert.equal(parseGoDuration('1h'), 3600e9);
  assert.equal(parseGoDuration('-2s'), -2e9);
  assert.equal(parseGoDuration('.5s'), 5e8);
  assert.equal(parseGoDuration('10us'), 1e4);
  assert.equal(parseGoDuration('0'), 0);
});

test("parseGoDuration's errors are Go's", () => {
  assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDuration('5x'), { message: 'time: unknown unit "x" in duration "5x"' });
  assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' });
  assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
  assert.throws(() => parseGoDuration('5 seconds'), {
    message: 'time: unknown unit " seconds" in duration "5 seconds"',
  });
});

test('goDuration prints as Duration.String()', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(5e8), '500ms');
  assert.equal(goDuration(1.5e9), '1.5s');
  assert.equal(goDuration(30e9), '30s');
  assert.equal(goDuration(60e9), '1m0s');
  assert.equal(goDuration(90e9), '1m30s');
  assert.equal(goDuration(3600e9 + 1.25e9), '1h0m1.25s');
  assert.equal(goDuration(1500), '1.5µs');
  assert.equal(goDuration(7), '7ns');
  assert.equal(goDuration(1e6), '1ms');
  assert.equal(goDuration(-2e9), '-2s');
});
