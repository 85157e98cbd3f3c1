import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHumanSize, logConfigOf, logRotation } from './log-config';

test('the log config: json-file by default, its options checked as Docker checks them', () => {
  assert.deepEqual(logConfigOf(undefined, undefined), { Type: 'json-file', Config: {} });
  assert.deepEqual(logConfigOf('', { 'max-size': '1m' }), { Type: 'json-file', Config: { 'max-size': '1m' } });
  assert.throws(() => logConfigOf('json-file', { foo: 'bar' }), {
    message: "unknown log opt 'foo' for json-file log driver",
  });
  assert.throws(() => logConfigOf('nope', {}), { message: "logger: no log driver named 'nope' is registered" });
  assert.throws(() => logConfigOf('journald', {}), /not supported/);
});

test("max-size and max-file as json-file reads them (go-units' decimal sizes)", () => {
  assert.equal(fromHumanSize('10k'), 10_000);
  assert.equal(fromHumanSize('1.5MB'), 1_500_000);
  assert.equal(fromHumanSize('2 g'), 2e9);
  assert.throws(() => fromHumanSize('bad'), { message: "invalid size: 'bad'" });
  assert.deepEqual(logRotation(undefined), { maxSize: undefined, maxFiles: 1 });
  assert.deepEqual(logRotation({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } }), {
    maxSize: 1e6,
    maxFiles: 3,
  });
  assert.throws(() => logRotation({ Type: 'json-file', Config: { 'max-size': '0' } }), {
    message: 'failed to initialize logging driver: max-size must be a positive number',
  });
  assert.throws(() => logRotation({ Type: 'json-file', Config: { 'max-file': '0' } }), {
    message: 'failed to initialize logging driver: max-file cannot be less than 1',
  });
  assert.throws(() => logRotation({ Type: 'json-file', Config: { 'max-file': 'x' } }), {
    message: 'failed to initialize logging driver: strconv.Atoi: parsing "x": invalid syntax',
  });
  assert.throws(() => logRotation({ Type: 'json-file', Config: { compress: 'true' } }), {
    message:
      'failed to initialize logging driver: compress cannot be true when max-file is less than 2 or max-size is not set',
  });
});
