import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, splitWords, exposeKeys } from './changes';

test('CMD and ENTRYPOINT accept JSON and shell forms', () => {
  const c = applyChanges({}, ['CMD ["httpd", "-f"]', 'ENTRYPOINT /bin/init --x']);
  assert.deepEqual(c.Cmd, ['httpd', '-f']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/init --x']);
});

test('ENV handles pairs, quotes and the legacy form', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV A=2 B="two words"', 'ENV C hello world']);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=two words', 'C=hello world']);
});

test('EXPOSE, VOLUME, WORKDIR, USER, LABEL', () => {
  const c = applyChanges({}, [
    'EXPOSE 80 53/udp 8000-8001',
    'VOLUME /data /logs',
    'WORKDIR /srv',
    'WORKDIR app',
    'USER nobody',
    'LABEL a=b "c d"=e',
  ]);
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs']);
  assert.equal(c.WorkingDir, '/srv/app');
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
});

test('unsupported instructions are refused as Docker words it', () => {
  assert.throws(() => applyChanges({}, ['RUN echo hi']), /run is not a valid change command/);
  assert.throws(() => exposeKeys('80/foo'), /invalid proto/);
  assert.throws(() => splitWords('"unterminated'), /unmatched quote/);
});
