import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globRegExp, IgnoreMatcher } from './dockerignore';

test('patterns match as filepath.Match does, with ** across directories', () => {
  assert.ok(globRegExp('*.txt').test('a.txt'));
  assert.ok(!globRegExp('*.txt').test('dir/a.txt'));
  assert.ok(globRegExp('**/*.txt').test('dir/sub/a.txt'));
  assert.ok(globRegExp('**/*.txt').test('a.txt'));
  assert.ok(globRegExp('file?.[ch]').test('file1.c'));
  assert.ok(!globRegExp('file?.[ch]').test('file1.o'));
  assert.ok(globRegExp('[!a]x').test('bx') && !globRegExp('[!a]x').test('ax'));
});

test('a matching directory takes its contents along; the last matching pattern wins; ! re-includes', () => {
  const m = new IgnoreMatcher('# comment\n/secret\n*.log\n!keep.log\nbuild/**\n!build/out/keep\n./tmp/\n');
  assert.ok(m.ignores('secret'));
  assert.ok(m.ignores('secret/deep/file'));
  assert.ok(m.ignores('x.log'));
  assert.ok(!m.ignores('keep.log'));
  assert.ok(!m.ignores('dir/x.log'), '* does not cross directories');
  assert.ok(m.ignores('build/a'));
  assert.ok(!m.ignores('build/out/keep'));
  assert.ok(m.ignores('tmp/x'));
  assert.ok(!m.ignores('src/main.c'));
});
