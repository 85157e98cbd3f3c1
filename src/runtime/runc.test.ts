import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandNotFoundError, CommandNotInvocableError, isKind } from '../errdefs';
import { classifyRuncError, normalizeSignal, runcErrorMessage, runtimeError } from './runc';

// Messages observed from runc 1.1.5 (Debian 12) through conmon's sync pipe, runc's
// --log file and `runc exec`'s stderr.
const OBSERVED: [string, string, 'not-found' | 'not-executable' | undefined][] = [
  [
    'create, command not in PATH',
    'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    'not-found',
  ],
  [
    'create, absolute path missing',
    'runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory',
    'not-found',
  ],
  [
    'create, file without x bit',
    'runc create failed: unable to start container process: exec: "/etc/notexec.sh": permission denied',
    'not-executable',
  ],
  [
    'create, a directory',
    'runc create failed: unable to start container process: exec: "/etc": permission denied',
    'not-executable',
  ],
  [
    'exec, command not in PATH',
    'exec failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    'not-found',
  ],
  [
    'exec, missing directory in path',
    'exec failed: unable to start container process: exec: "/nope/x": stat /nope/x: no such file or directory',
    'not-found',
  ],
  [
    'exec, a directory',
    'exec failed: unable to start container process: exec: "/etc": permission denied',
    'not-executable',
  ],
  [
    'exec, missing cwd',
    'exec failed: unable to start container process: chdir to cwd ("/nonexist") set in config.json failed: no such file or directory',
    'not-found',
  ],
  ['exec, no terminal for -t', 'exec failed: open /dev/tty: no such device or address', undefined],
  ['kill, stopped', 'container not running', undefined],
  ['state, unknown', 'container does not exist', undefined],
];

for (const [name, msg, kind] of OBSERVED) {
  test(`classifyRuncError: ${name} → ${kind ?? 'not a command problem'}`, () => {
    assert.equal(classifyRuncError(msg)?.kind, kind);
  });
}

test('classifyRuncError: Docker rules for a newer runtime (is a directory → 126, not a directory → 127 with hint)', () => {
  assert.deepEqual(classifyRuncError('exec: "/etc": is a directory'), {
    kind: 'not-executable',
    suffix: ': permission denied',
  });
  const c = classifyRuncError('error mounting "/a" to rootfs at "/b": not a directory');
  assert.equal(c?.kind, 'not-found');
  assert.match(c?.suffix ?? '', /Are you trying to mount a directory onto a file/);
});

test("runcErrorMessage: last error of runc's JSON log lines; plain text otherwise", () => {
  const log = [
    '{"level":"warning","msg":"something","time":"2026-11-30T01:37:01Z"}',
    '{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH","time":"2026-11-30T01:37:01Z"}',
  ].join('\n');
  assert.equal(
    runcErrorMessage(log),
    'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH',
  );
  assert.equal(runcErrorMessage('runc create failed: boom\n'), 'runc create failed: boom');
});

test("runtimeError: Docker's wording and error classes", () => {
  const nf = runtimeError(
    'create',
    'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH\n',
  );
  assert.ok(nf instanceof CommandNotFoundError);
  assert.equal(
    nf.message,
    'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
  );
  const nx = runtimeError(
    'exec',
    '{"level":"error","msg":"exec failed: unable to start container process: exec: \\"/etc\\": permission denied"}',
  );
  assert.ok(nx instanceof CommandNotInvocableError);
  assert.equal(
    nx.message,
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc": permission denied: unknown',
  );
  assert.ok(isKind(runtimeError('create', 'runc create failed: cgroup trouble'), 'internal'));
  assert.ok(isKind(runtimeError('exec', 'exec failed: container does not exist', 'c1'), 'not-found'));
  assert.ok(isKind(runtimeError('exec', 'exec failed: cannot exec in a stopped container', 'c1'), 'conflict'));
});

test('normalizeSignal', () => {
  assert.equal(normalizeSignal('TERM'), 'SIGTERM');
  assert.equal(normalizeSignal('sigkill'), 'SIGKILL');
  assert.equal(normalizeSignal('SIGHUP'), 'SIGHUP');
  assert.equal(normalizeSignal('9'), '9');
  assert.equal(normalizeSignal(15), '15');
});
