import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSizeWithPrecision, humanSize, humanDuration, ramInBytes, bytesSize } from './units';

test('sizes print as go-units does', () => {
  assert.equal(humanSizeWithPrecision(0, 3), '0B');
  assert.equal(humanSizeWithPrecision(12, 3), '12B');
  assert.equal(humanSizeWithPrecision(1982256, 3), '1.98MB');
  assert.equal(humanSizeWithPrecision(4_260_000, 3), '4.26MB');
  assert.equal(humanSizeWithPrecision(1000, 3), '1kB');
  assert.equal(humanSizeWithPrecision(999_500, 3), '1e+03kB');
  assert.equal(humanSize(1_234_567), '1.235MB');
  assert.equal(bytesSize(1536), '1.5KiB');
});

test('durations print as go-units does', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45_000), '45 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3_600_000), 'About an hour');
  assert.equal(humanDuration(5 * 3_600_000), '5 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
  assert.equal(humanDuration(3 * 7 * 86_400_000), '3 weeks');
  assert.equal(humanDuration(90 * 86_400_000), '3 months');
  assert.equal(humanDuration(3 * 365 * 86_400_000), '3 years');
});

test('memory sizes parse as binary multiples', () => {
  assert.equal(ramInBytes('512m'), 512 * 1024 * 1024);
  assert.equal(ramInBytes('1g'), 1024 ** 3);
  assert.equal(ramInBytes('100'), 100);
  assert.equal(ramInBytes('2GiB'), 2 * 1024 ** 3);
  assert.equal(ramInBytes('1.5k'), 1536);
  assert.equal(ramInBytes('64 MB'), 64 * 1024 ** 2);
  assert.equal(ramInBytes('7b'), 7);
  // go-units' own wording
  assert.throws(() => ramInBytes('lots'), /^Error: invalid size: 'lots'$/);
  assert.throws(() => ramInBytes('10x'), /^Error: invalid suffix: 'x'$/);
  assert.throws(() => ramInBytes('10MX'), /^Error: invalid suffix: 'mx'$/);
  assert.throws(() => ramInBytes('10kbytes'), /^Error: invalid suffix: 'kbytes'$/);
  assert.throws(() => ramInBytes('1.2.3m'), /^Error: strconv.ParseFloat: parsing "1.2.3": invalid syntax$/);
});
