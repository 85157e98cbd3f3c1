import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstruction } from './dockerfile';
import { applyMetadata, parseGoDuration } from './instructions';
import { varsOf } from './shell-lex';

const apply = (line: string, cfg = {}, cmdSet = false) => applyMetadata(cfg, parseInstruction(line, 1), varsOf(['B=bee']), '\\', cmdSet);

// The texts are Docker 20.10's classic builder's, as its history shows them.
test('history texts of metadata instructions are Docker\'s', () => {
  assert.equal(apply('CMD ["httpd", "-f"]').message, 'CMD ["httpd" "-f"]');
  assert.equal(apply('CMD echo plain').message, 'CMD ["/bin/sh" "-c" "echo plain"]');
  assert.equal(apply('ENV K v w').message, 'ENV K=v w');
  assert.equal(apply('LABEL "multi word"="v 1" b=$B').message, 'LABEL multi word=v 1 b=bee');
  assert.equal(apply('EXPOSE 8080/tcp 7000-7001').message, 'EXPOSE 7000-7001 8080/tcp');
  assert.equal(apply('VOLUME ["/a", "/b"]').message, 'VOLUME [/a /b]');
  assert.equal(apply('HEALTHCHECK --interval=5s CMD true').message, `HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x00'}`);
  assert.equal(apply('SHELL ["/bin/sh", "-ec"]').message, 'SHELL [/bin/sh -ec]');
});

test('configs: ENTRYPOINT drops an inherited CMD, not one set in the stage; SHELL shapes the plain forms', () => {
  assert.equal(apply('ENTRYPOINT ["x"]', { Cmd: ['sh'] }).config.Cmd, null);
  assert.deepEqual(apply('ENTRYPOINT ["x"]', { Cmd: ['sh'] }, true).config.Cmd, ['sh']);
  assert.deepEqual(apply('CMD run it', { Shell: ['/bin/bash', '-xc'] }).config.Cmd, ['/bin/bash', '-xc', 'run it']);
  assert.deepEqual(apply('EXPOSE 53/udp 80').config.ExposedPorts, { '53/udp': {}, '80/tcp': {} });
  assert.equal(apply('MAINTAINER me <m@e>').author, 'me <m@e>');
  assert.throws(() => apply('STOPSIGNAL SIGNOPE'), /Invalid signal/);
  assert.throws(() => apply('ONBUILD ONBUILD RUN x'), /Chaining ONBUILD/);
  assert.throws(() => apply('SHELL /bin/sh'), /JSON form/);
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5s'), 1.5e9);
  assert.throws(() => parseGoDuration('5 seconds'), /invalid duration/);
});
