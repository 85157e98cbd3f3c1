import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstruction } from './dockerfile';
import { applyMetadata } from './instructions';
import { varsOf } from './shell-lex';

const apply = (line: string, cfg = {}, cmdSet = false) =>
  applyMetadata(cfg, parseInstruction(line, 1), varsOf(['B=bee']), '\\', cmdSet);

// The texts are Docker 20.10's classic builder's, as its history shows them.
test("history texts of metadata instructions are Docker's", () => {
  assert.equal(apply('CMD ["httpd", "-f"]').message, 'CMD ["httpd" "-f"]');
  assert.equal(apply('CMD echo plain').message, 'CMD ["/bin/sh" "-c" "echo plain"]');
  assert.equal(apply('ENV K v w').message, 'ENV K=v w');
  assert.equal(apply('LABEL "multi word"="v 1" b=$B').message, 'LABEL multi word=v 1 b=bee');
  assert.equal(apply('EXPOSE 8080/tcp 7000-7001').message, 'EXPOSE 7000-7001 8080/tcp');
  assert.equal(apply('VOLUME ["/a", "/b"]').message, 'VOLUME [/a /b]');
  assert.equal(
    apply('HEALTHCHECK --interval=5s CMD true').message,
    `HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x00'}`,
  );
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

test('HEALTHCHECK: the config and the errors of buildkit 0.8 (Docker 20.10)', () => {
  assert.deepEqual(
    apply('HEALTHCHECK --interval=500ms --timeout=2s --start-period=1m --retries=4 CMD curl -f localhost').config
      .Healthcheck,
    {
      Test: ['CMD-SHELL', 'curl -f localhost'],
      Interval: 5e8,
      Timeout: 2e9,
      StartPeriod: 60e9,
      Retries: 4,
    },
  );
  assert.equal(
    apply('HEALTHCHECK --interval=500ms CMD ["true"]').message,
    `HEALTHCHECK &{["CMD" "true"] "500ms" "0s" "0s" '\\x00'}`,
  );
  assert.deepEqual(apply('HEALTHCHECK NONE').config.Healthcheck, { Test: ['NONE'] });
  assert.throws(() => apply('HEALTHCHECK --retries=0 CMD true'), { message: '--retries must be at least 1 (not 0)' });
  assert.throws(() => apply('HEALTHCHECK --interval=0s CMD true'), {
    message: 'Interval "interval" cannot be less than 1ms',
  });
  assert.throws(() => apply('HEALTHCHECK --timeout=5 CMD true'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => apply('HEALTHCHECK CMD'), { message: 'Missing command after HEALTHCHECK CMD' });
  assert.throws(() => apply('HEALTHCHECK RUN true'), { message: 'Unknown type "RUN" in HEALTHCHECK (try CMD)' });
  assert.throws(() => apply('HEALTHCHECK NONE x'), { message: 'HEALTHCHECK NONE takes no arguments' });
});
