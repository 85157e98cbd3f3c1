import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHostname, checkHostsName, checkResolvWord } from './host-names';

test('hostnames: RFC 1123 labels, at most 63 bytes', () => {
  for (const ok of ['web', 'lottery-box', 'a.b.c', 'A1', '0abc', 'x'.repeat(63)])
    assert.doesNotThrow(() => checkHostname(ok), ok);
  for (const bad of [
    'a\nb',
    'a\n10.0.0.1 evil',
    'a b',
    '-bad',
    'bad-',
    'a..b',
    '.a',
    'a.',
    'under_score',
    'x'.repeat(64),
    'tab\there',
    'é',
  ]) {
    assert.throws(() => checkHostname(bad), { message: `invalid hostname format: ${JSON.stringify(bad)}` }, bad);
  }
});

test('names of other hosts lines allow underscores, never blanks or line breaks', () => {
  for (const ok of ['db', 'my_service', 'a.b_c', 'x-1'])
    assert.doesNotThrow(() => checkHostsName(ok, 'network alias'), ok);
  for (const bad of ['a\nb', 'a b', '', 'a#b', 'a..b'])
    assert.throws(() => checkHostsName(bad, 'network alias'), /invalid network alias/, bad);
  assert.doesNotThrow(() => checkResolvWord('ndots:2', 'DNS option'));
  for (const bad of ['a\nnameserver 6.6.6.6', 'a b', ''])
    assert.throws(() => checkResolvWord(bad, 'DNS option'), /invalid DNS option/, bad);
});
