import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from './commands';
import { EVERYDAY } from './commands/everyday';
import { handles } from './everyday-main';
import { REPO_ROOT } from '../util/paths';

const paths = EVERYDAY.flatMap((e) => [e.name.split(' '), ...(e.aliases ?? [])]);

test('the everyday commands are entries of the full table, so both bundles give the same help and behaviour', () => {
  for (const e of EVERYDAY) assert.ok(COMMANDS.includes(e), `${e.name} is in COMMANDS`);
  assert.deepEqual(
    paths.map((p) => p.join(' ')).sort(),
    ['container inspect', 'container list', 'container logs', 'container ls', 'container port', 'container ps']
      .concat(['image inspect', 'image list', 'image ls', 'images', 'inspect', 'logs', 'port', 'ps', 'version'])
      .sort(),
  );
});

test('handles() takes the everyday command lines, with global options and flags, and leaves the rest', () => {
  for (const p of paths) {
    assert.ok(handles([...p, 'x']), p.join(' '));
    assert.ok(handles(['--root', '/r', '-D', ...p, '--help']), `${p.join(' ')} --help`);
  }
  assert.ok(handles(['-v']));
  for (const argv of [
    [],
    ['--help'],
    ['run', 'busybox'],
    ['container'],
    ['container', 'run'],
    ['image', 'pull'],
    ['--bogus', 'ps'],
    ['--root'],
  ])
    assert.equal(handles(argv), false, argv.join(' '));
});

test('handles() leaves a logs command line that follows the log to the full CLI', () => {
  for (const argv of [
    ['logs', '-f', 'x'],
    ['logs', '--follow', 'x'],
    ['logs', '-tf', 'x'],
    ['container', 'logs', 'x', '--follow=true'],
  ])
    assert.equal(handles(argv), false, argv.join(' '));
  for (const argv of [
    ['logs', 'x'],
    ['logs', '-t', '--tail', '1', 'x'],
    ['logs', '--follow=false', 'x'],
    ['logs', '--bogus'],
  ])
    assert.ok(handles(argv), argv.join(' '));
});

test('bin/stowage sends every everyday command line to the everyday bundle', () => {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'bin', 'stowage'), 'utf8');
  const re = /const EVERYDAY =\s*(\/.*\/);/.exec(source)?.[1];
  assert.ok(re, 'the EVERYDAY pattern in bin/stowage');
  const pattern = new RegExp(re.slice(1, -1));
  for (const p of paths) assert.match(`${p.join(' ')} x`.split(' ').slice(0, 2).join(' '), pattern, p.join(' '));
  assert.doesNotMatch('run busybox', pattern);
  assert.doesNotMatch('container run', pattern);
});
