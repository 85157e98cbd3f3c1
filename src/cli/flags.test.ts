import { test } from 'node:test';
import assert from 'node:assert/strict';
import { given, parseFlags, type FlagDef } from './flags';

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

test('the values are typed from the definitions: kind, parse, list, default', () => {
  const r = parseFlags(
    'x',
    [
      { long: 'n', kind: 'int', help: '' },
      { long: 'on', kind: 'bool', help: '' },
      { long: 'name', kind: 'string', help: '' },
      { long: 'mem', kind: 'string', help: '', parse: (v) => Number(v) * 2 },
      { long: 'wait', kind: 'string', help: '', default: '3', parse: (v) => Number(v) },
      { long: 'e', kind: 'list', help: '' },
      { long: 'port', kind: 'list', help: '', parse: (v) => ({ port: Number(v) }) },
    ],
    ['--n=4', '--on', '--name', 'web', '--mem=5', '--e', 'A=1', '--port', '80'],
  );
  // compile-time checks: each assignment type-checks only with the type the definition gives
  const n: number = r.flags.n;
  const on: boolean = r.flags.on;
  const name: string = r.flags.name;
  const mem: number | '' = r.flags.mem; // not given and no default: ''
  const wait: number = r.flags.wait; // the default is parsed
  const e: string[] = r.flags.e;
  const ports: Array<{ port: number }> = r.flags.port;
  // @ts-expect-error a string flag holds no number
  const wrong: number = r.flags.name;
  // @ts-expect-error no such flag
  assert.equal(r.flags.nosuch, undefined);
  assert.deepEqual([n, on, name, mem, wait, e, ports, wrong], [4, true, 'web', 10, 3, ['A=1'], [{ port: 80 }], 'web']);
  assert.equal(given(r.flags, 'wait'), undefined);
  assert.equal(given(r.flags, 'mem'), 10);
});
