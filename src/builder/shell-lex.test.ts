import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandWord, expandWords, varsOf } from './shell-lex';

const vars = varsOf(['A=one', 'EMPTY=', 'SP=a b']);

test('$VAR and ${VAR} expand; unset variables are empty', () => {
  assert.equal(expandWord('$A-${A}-$NOPE-${NOPE}x', vars), 'one-one--x');
  assert.equal(expandWord('cost $5 and $', vars), 'cost $5 and $');
});

test('modifiers: :- and :+ look at empty values, - and + only at unset ones', () => {
  assert.equal(expandWord('${EMPTY:-dflt} ${EMPTY-dflt} ${NOPE-dflt}', vars), 'dflt  dflt');
  assert.equal(expandWord('${A:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${NOPE+alt}', vars), 'alt  alt ');
  assert.equal(expandWord('${NOPE:-${A}}', vars), 'one');
  assert.throws(() => expandWord('${A', vars), /missing '}'/);
});

test('single quotes keep text literal, double quotes group, the escape character escapes', () => {
  assert.equal(expandWord(`'$A' "$A" \\$A`, vars), '$A one $A');
  assert.deepEqual(expandWords(`a "b c" 'd e' $SP`, vars), ['a', 'b c', 'd e', 'a b']);
  assert.deepEqual(expandWords('x`$A', vars, '`'), ['x$A']);
  assert.throws(() => expandWord('"open', vars), /double-quote/);
});
