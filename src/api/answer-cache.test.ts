import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerCache } from './answer-cache';

test('AnswerCache: an answer is kept while the version stays, made anew when it moves, per key', () => {
  let version = 1;
  let made = 0;
  const cache = new AnswerCache(() => version, 2);
  const make = (text: string) => () => {
    made++;
    return Buffer.from(text);
  };
  assert.equal(cache.get('a', make('a1')).toString(), 'a1');
  assert.equal(cache.get('a', make('a2')).toString(), 'a1', 'kept');
  assert.equal(cache.get('b', make('b1')).toString(), 'b1', 'another key, another answer');
  assert.equal(made, 2);
  version = 2;
  assert.equal(cache.get('a', make('a3')).toString(), 'a3', 'the store changed');
  assert.equal(cache.get('a', make('a4')).toString(), 'a3');
  assert.equal(cache.get('c', make('c1')).toString(), 'c1');
  assert.equal(cache.get('a', make('a5')).toString(), 'a3', 'the most recently made stay');
  assert.equal(cache.get('b', make('b2')).toString(), 'b2', 'past the limit the oldest went');
});

test('AnswerCache: a commit while an answer is made leaves it under the older version; a throw keeps nothing', () => {
  let version = 1;
  const cache = new AnswerCache(() => version);
  const during = cache.get('k', () => {
    version = 2; // another process commits while the list is read
    return Buffer.from('made at 1');
  });
  assert.equal(during.toString(), 'made at 1');
  assert.equal(cache.get('k', () => Buffer.from('made at 2')).toString(), 'made at 2');
  assert.throws(() =>
    cache.get('bad', () => {
      throw new Error('invalid filter');
    }),
  );
  assert.equal(cache.get('bad', () => Buffer.from('fine')).toString(), 'fine');
});
