import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, type FlagDef } from './flags';

const defs: FlagDef[] = [
  { long: 'detach', short: 'd', kind: 'bool', help: '' },
  { long: 'interactive', short: 'i', kind: 'bool', help: '' },
  { long: 'tty', short: 't', kind: 'bool', help: '' },
  { long: 'publish', short: 'p', kind: 'list', help: '' },
  { long: 'name', kind: 'string', help: '' },
  { long: 'time', kind: 'int', help: '' },
  { long: 'pause', kind: 'bool', default: true, help: '' },
];

test('clusters, attached values and = forms', () => {
  const r = parseFlags('run', defs, ['-id', '--name=web', '-p88:80', '-p', '9000:9000', '-p=1:2', 'img', 'sh']);
  assert.equal(r.flags.interactive, true);
  assert.equal(r.flags.detach, true);
  assert.equal(r.flags.name, 'web');
  assert.deepEqual(r.flags.publish, ['88:80', '9000:9000', '1:2']);
  assert.deepEqual(r.args, ['img', 'sh']);
});

test('non-interspersed commands stop at the first argument', () => {
  const r = parseFlags('run', defs, ['-d', 'img', 'ls', '-la', '--name', 'x'], { interspersed: false });
  assert.deepEqual(r.args, ['img', 'ls', '-la', '--name', 'x']);
  assert.equal(r.flags.name, '');
  const r2 = parseFlags('images', defs, ['img', '--name', 'x']);
  assert.equal(r2.flags.name, 'x');
});

test('bool flags accept =false', () => {
  const r = parseFlags('commit', defs, ['--pause=false']);
  assert.equal(r.flags.pause, false);
  assert.ok(r.flags._changed.has('pause'));
});

test('errors use pflag wording', () => {
  assert.throws(() => parseFlags('run', defs, ['--foo']), /^UsageError: unknown flag: --foo$|unknown flag: --foo/);
  assert.throws(() => parseFlags('run', defs, ['-x']), /unknown shorthand flag: 'x' in -x/);
  assert.throws(() => parseFlags('run', defs, ['-p']), /flag needs an argument: 'p' in -p/);
  assert.throws(() => parseFlags('run', defs, ['--name']), /flag needs an argument: --name/);
  assert.throws(
    () => parseFlags('run', defs, ['--time', 'abc']),
    /invalid argument "abc" for "--time" flag: strconv.ParseInt: parsing "abc": invalid syntax/,
  );
  assert.throws(() => parseFlags('run', defs, ['--pause=maybe']), /strconv.ParseBool/);
});

test('-- ends flags', () => {
  const r = parseFlags('x', defs, ['--', '-d']);
  assert.deepEqual(r.args, ['-d']);
  assert.equal(r.flags.detach, false);
});
