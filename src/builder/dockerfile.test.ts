import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileParseError, parseDockerfile } from './dockerfile';

test('continuation lines join with the next line as written; comments and blank lines inside them are dropped', () => {
  const df = parseDockerfile(
    'FROM busybox\nENV APP=/app \\\n    X="y z"\n# a comment\nRUN echo a \\\n# inside\n\n  && echo b\n',
  );
  assert.deepEqual(
    df.instructions.map((i) => i.name),
    ['FROM', 'ENV', 'RUN'],
  );
  assert.equal(df.instructions[1].original, 'ENV APP=/app     X="y z"');
  assert.equal(df.instructions[1].line, 2);
  assert.equal(df.instructions[2].rest, 'echo a   && echo b');
  assert.equal(df.instructions[2].line, 5);
});

test('instructions are case-insensitive; the exec form is JSON, anything else the plain form', () => {
  const df = parseDockerfile('from busybox\nrun ["echo", "x"]\nCMD [not json\nCOPY --from=build --chown=1:2 /a /b\n');
  assert.equal(df.instructions[0].name, 'FROM');
  assert.deepEqual(df.instructions[1].json, ['echo', 'x']);
  assert.equal(df.instructions[2].json, undefined);
  assert.equal(df.instructions[2].rest, '[not json');
  assert.deepEqual(df.instructions[3].flags, { from: 'build', chown: '1:2' });
  assert.equal(df.instructions[3].rest, '/a /b');
});

test('the escape directive changes the continuation character; directives only count at the top', () => {
  const df = parseDockerfile('# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo x\n# escape=\\\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1].rest, 'dir c:\\   && echo x');
  assert.throws(() => parseDockerfile('# escape=x\nFROM a\n'), /invalid escape token/);
});

test('an unknown instruction names its line', () => {
  assert.throws(
    () => parseDockerfile('FROM busybox\n\nFOO bar\n'),
    (e: unknown) =>
      e instanceof DockerfileParseError && e.message === 'dockerfile parse error line 3: unknown instruction: FOO',
  );
});
