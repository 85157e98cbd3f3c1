// Integration tests: real runc 1.1.5 + conmon 2.1.6 + a busybox rootfs, as root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CommandNotFoundError, CommandNotInvocableError, isKind } from '../../src/errdefs';
import { attach } from '../../src/runtime/attach';
import { canRunContainers, makeLab, type Lab } from '../busybox-fixture';
import { conmonAlive, conmonCreate, isMonitored, readExitCode, resize, waitExitCode } from '../../src/runtime/conmon';
import { runcExec } from '../../src/runtime/exec';
import { freeze } from '../../src/runtime/freeze';
import { readLogs, type LogRecord } from '../../src/runtime/logs';
import {
  runcDelete,
  runcKill,
  runcPause,
  runcResume,
  runcStart,
  runcState,
  type RuntimeConfig,
} from '../../src/runtime/runc';

const skip = canRunContainers();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects what is written to it. */
function sink() {
  const s = new PassThrough();
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  return Object.assign(s, { text: () => Buffer.concat(chunks).toString('utf8') });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const status = async (rt: RuntimeConfig, id: string) => (await runcState(rt, id))?.status;
const alive = (pid: number) => {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return false;
  }
};

async function collect(logPath: string, opts: Parameters<typeof readLogs>[1] = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of readLogs(logPath, opts)) out.push(r);
  return out;
}

describe('conmon + runc', { skip, concurrency: false }, () => {
  let lab: Lab;
  before(() => {
    lab = makeLab();
  });
  after(async () => {
    await lab.cleanup();
  });

  test('detached: outlives its creator; both streams in the k8s-file log; exit code and exit command', async () => {
    const marker = path.join(lab.dir, 'exit-command-ran');
    const { id, paths } = lab.bundle({ cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    // create from another Node process, which must exit by itself while conmon stays
    const script = `
      const { conmonCreate } = require(${JSON.stringify(path.join(__dirname, '../../src/runtime/conmon.js'))});
      conmonCreate(${JSON.stringify(lab.rt)}, ${JSON.stringify(id)}, 'detached', ${JSON.stringify(paths)},
        { terminal: false, stdin: false, exitCommand: ['sh', '-c', 'echo "$0 $1" > ${marker}', 'cleanup', ${JSON.stringify(id)}] })
        .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const { pid, conmonPid } = JSON.parse(out) as { pid: number; conmonPid: number };
    assert.ok(pid > 0 && conmonPid > 0, out);
    assert.ok(alive(conmonPid), 'conmon survives the process that created the container');
    assert.equal(await status(lab.rt, id), 'created');

    await runcStart(lab.rt, id);
    assert.equal(await waitExitCode(paths, id), 3);
    const recs = await collect(paths.logPath);
    assert.deepEqual(recs.map((r) => [r.stream, r.partial, r.line]).sort(), [
      ['stderr', false, 'err'],
      ['stdout', false, 'out'],
    ]);
    assert.match(
      fs.readFileSync(paths.logPath, 'utf8'),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout F out$/m,
    );
    await until('exit command', () => fs.existsSync(marker));
    assert.equal(fs.readFileSync(marker, 'utf8'), `cleanup ${id}\n`);
    assert.equal(await status(lab.rt, id), 'stopped');
    await runcDelete(lab.rt, id);
    assert.equal(await runcState(lab.rt, id), undefined);
  });

  test('run -id: sh waits on the open stdin; attach+detach keeps it; TERM is ignored by pid 1, KILL gives 137', async () => {
    const { id, paths } = lab.bundle({ cmd: ['sh'] });
    await conmonCreate(lab.rt, id, 'idle', paths, { terminal: false, stdin: true, leaveStdinOpen: true });
    await runcStart(lab.rt, id);
    await sleep(300);
    assert.equal(await status(lab.rt, id), 'running', 'sh keeps waiting on stdin');

    const a = attach(paths, { stdin: new PassThrough(), stdout: sink(), stderr: sink() });
    a.detach();
    await a.done;
    await sleep(200);
    assert.equal(await status(lab.rt, id), 'running', 'detaching leaves the container and its stdin alone');

    await runcKill(lab.rt, id, 'TERM');
    await sleep(300);
    assert.equal(
      await status(lab.rt, id),
      'running',
      'pid 1 without a TERM handler ignores TERM (docker stop then KILLs)',
    );
    assert.equal(readExitCode(paths, id), undefined);

    await runcKill(lab.rt, id, 'KILL');
    assert.equal(await waitExitCode(paths, id), 137);
    await assert.rejects(runcKill(lab.rt, id, 'KILL'), (e) => isKind(e, 'conflict'));
  });

  test('a process killed by SIGTERM exits 143 (host pid namespace, so TERM is not ignored)', async () => {
    const { id, paths } = lab.bundle({ cmd: ['sleep', '100'] }, (spec) => {
      spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'pid');
    });
    await conmonCreate(lab.rt, id, 'term', paths, { terminal: false, stdin: false });
    await runcStart(lab.rt, id);
    await runcKill(lab.rt, id, 'SIGTERM');
    assert.equal(await waitExitCode(paths, id), 143);
  });

  test('attach before start: stdin piped to cat, stdout and stderr apart, stdin EOF ends cat', async () => {
    const { id, paths } = lab.bundle({ cmd: ['sh', '-c', 'cat; echo "cat done" >&2; exit 7'] });
    await conmonCreate(lab.rt, id, 'cat', paths, { terminal: false, stdin: true });
    const stdin = new PassThrough();
    const stdout = sink();
    const stderr = sink();
    const a = attach(paths, { stdin, stdout, stderr });
    await runcStart(lab.rt, id);
    stdin.write('hello\n');
    const big = 'x'.repeat(100_000) + '\n'; // more than one attach packet
    stdin.end(big);
    await a.done;
    const got = stdout.text();
    assert.ok(got === `hello\n${big}`, `stdout: ${got.length} bytes, starts ${JSON.stringify(got.slice(0, 20))}`);
    assert.equal(stderr.text(), 'cat done\n');
    assert.equal(await waitExitCode(paths, id), 7);
  });

  test('terminal: /dev/pts/0, initial size and resize', async () => {
    const { id, paths } = lab.bundle({
      cmd: ['sh', '-c', 'tty; stty size; read line; stty size; echo "got $line"'],
      tty: true,
    });
    await conmonCreate(lab.rt, id, 'tty', paths, { terminal: true, stdin: true });
    resize(paths, 30, 100);
    const stdin = new PassThrough();
    const stdout = sink();
    const stderr = sink();
    const a = attach(paths, { stdin, stdout, stderr });
    await sleep(100);
    await runcStart(lab.rt, id);
    await until('first stty size', () => /30 100/.test(stdout.text()));
    resize(paths, 40, 120);
    await sleep(300);
    stdin.write('abc\n');
    await a.done;
    const text = stdout.text();
    assert.match(text, /^\/dev\/pts\/0\r\n30 100\r\n/);
    assert.match(text, /40 120\r\ngot abc\r\n$/);
    assert.equal(stderr.text(), '', 'a tty has one stream');
    assert.equal(await waitExitCode(paths, id), 0);
  });

  test('exec: args, env, stdin, exit code; detached exec; missing command; pause/resume', async () => {
    const { id, paths, spec } = lab.bundle({ cmd: ['sleep', '1000'] });
    await conmonCreate(lab.rt, id, 'exec', paths, { terminal: false, stdin: false });
    await runcStart(lab.rt, id);
    const proc = (args: string[], env: string[] = []) => ({
      ...spec.process,
      args,
      env: [...spec.process.env, ...env],
    });

    const out = sink();
    const err = sink();
    const code = await runcExec(
      lab.rt,
      id,
      proc(['sh', '-c', 'echo "$FOO $1"; echo oops >&2; exit 5', 'sh', 'arg1'], ['FOO=bar']),
      {
        stdio: ['ignore', out, err],
      },
    );
    assert.equal(code, 5);
    assert.equal(out.text(), 'bar arg1\n');
    assert.equal(err.text(), 'oops\n');

    const input = new PassThrough();
    const echoed = sink();
    const p = runcExec(lab.rt, id, proc(['cat']), { stdio: [input, echoed, 'ignore'] });
    input.end('piped\n');
    assert.equal(await p, 0);
    assert.equal(echoed.text(), 'piped\n');

    assert.equal(await runcExec(lab.rt, id, proc(['sh', '-c', 'sleep 0.2; echo bg > /tmp/bg']), { detach: true }), 0);
    await until('detached exec', async () => {
      const o = sink();
      await runcExec(lab.rt, id, proc(['cat', '/tmp/bg']), { stdio: ['ignore', o, 'ignore'] });
      return o.text() === 'bg\n';
    });

    // -d -t: conmon holds the pty, so the process is not hung up when we are gone
    const ttyProc = { ...proc(['sh', '-c', 'tty > /tmp/ttyname; sleep 0.3; echo alive > /tmp/alive']), terminal: true };
    assert.equal(await runcExec(lab.rt, id, ttyProc, { detach: true }), 0);
    const rootPath = (p: string) => path.join(lab.rootfs, p);
    await until('detached tty exec', () => fs.existsSync(rootPath('tmp/alive')));
    assert.match(fs.readFileSync(rootPath('tmp/ttyname'), 'utf8'), /^\/dev\/pts\/\d+\n$/);
    await assert.rejects(
      runcExec(lab.rt, id, { ...proc(['nope']), terminal: true }, { detach: true }),
      CommandNotFoundError,
    );

    const noErr = sink();
    await assert.rejects(
      runcExec(lab.rt, id, proc(['nope']), { stdio: ['ignore', 'ignore', noErr] }),
      (e: Error) =>
        e instanceof CommandNotFoundError &&
        /^OCI runtime exec failed: .*executable file not found in \$PATH: unknown$/.test(e.message),
    );
    assert.equal(noErr.text(), '', "runc's error is thrown, not printed");
    await assert.rejects(
      runcExec(lab.rt, id, proc(['/etc/notexec.sh']), { stdio: ['ignore', 'ignore', 'ignore'] }),
      (e: Error) => e instanceof CommandNotInvocableError && /permission denied/.test(e.message),
    );

    // -t: runc allocates the pty itself and uses the terminal it inherits (here one made by script(1))
    if (fs.existsSync('/usr/bin/script')) {
      const j = JSON.stringify;
      const ttyProc0 = { ...proc(['sh', '-c', 'tty; stty size; exit 4']), terminal: true };
      const inner =
        `require(${j(path.join(__dirname, '../../src/runtime/exec.js'))}).runcExec(${j(lab.rt)}, ${j(id)}, ${j(ttyProc0)}, {})` +
        '.then((c) => process.exit(c), (e) => { console.error(e.message); process.exit(99); })';
      const shellCmd = `stty rows 33 cols 77; '${process.execPath}' -e '${inner.replace(/'/g, `'\\''`)}'`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = execFile(
          '/usr/bin/script',
          ['-qec', shellCmd, '/dev/null'],
          { timeout: 20_000 },
          (_e, stdout, stderr) => resolve({ code: child.exitCode, out: stdout + stderr }),
        );
      });
      assert.equal(r.code, 4, r.out);
      // (\r\r\n when output comes before runc made our terminal raw: harmless on a screen)
      assert.match(r.out, /\/dev\/pts\/0\r+\n33 77\r+\n/, 'the pty has our size from the start (process.consoleSize)');
    }

    await runcPause(lab.rt, id);
    assert.equal(await status(lab.rt, id), 'paused');
    await runcResume(lab.rt, id);
    assert.equal(await status(lab.rt, id), 'running');
    // commit's and cp's freeze (the cgroup's freezer, written directly): runc sees it paused, then running
    const thaw = await freeze(lab.rt, id);
    assert.equal(await status(lab.rt, id), 'paused');
    await thaw();
    assert.equal(await status(lab.rt, id), 'running');
    await runcPause(lab.rt, id);
    await assert.rejects(
      freeze(lab.rt, id),
      /is not running/,
      'a container paused by someone else: runc says why (and it stays paused)',
    );
    assert.equal(await status(lab.rt, id), 'paused');
    await runcResume(lab.rt, id);
    await runcKill(lab.rt, id, 9);
    assert.equal(await waitExitCode(paths, id), 137);
  });

  test('create: missing command → CommandNotFoundError, non-executable → CommandNotInvocableError, with runc text', async () => {
    const nf = lab.bundle({ cmd: ['nope'] });
    await assert.rejects(conmonCreate(lab.rt, nf.id, 'nf', nf.paths, { terminal: false, stdin: false }), (e: Error) => {
      assert.ok(e instanceof CommandNotFoundError, String(e));
      assert.equal(
        e.message,
        'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
      );
      return true;
    });
    assert.equal(await runcState(lab.rt, nf.id), undefined, 'nothing left in runc');

    const abs = lab.bundle({ cmd: ['/nope'] });
    await assert.rejects(
      conmonCreate(lab.rt, abs.id, 'abs', abs.paths, { terminal: false, stdin: false }),
      (e: Error) => e instanceof CommandNotFoundError && /stat \/nope: no such file or directory/.test(e.message),
    );

    for (const cmd of ['/etc/notexec.sh', '/etc']) {
      const nx = lab.bundle({ cmd: [cmd] });
      await assert.rejects(
        conmonCreate(lab.rt, nx.id, 'nx', nx.paths, { terminal: false, stdin: false }),
        (e: Error) => e instanceof CommandNotInvocableError && e.message.includes(`exec: "${cmd}": permission denied`),
      );
    }
  });

  test('conmon killed: the container keeps running, runc state tells the truth, delete --force cleans up', async () => {
    // (not `sh` on a stdin pipe: that pipe is conmon's, and sh exits on its EOF when conmon dies)
    const { id, paths } = lab.bundle({ cmd: ['sleep', '1000'] });
    const { pid, conmonPid } = await conmonCreate(lab.rt, id, 'orphan', paths, { terminal: false, stdin: false });
    await runcStart(lab.rt, id);
    assert.ok(conmonAlive(paths) && isMonitored(paths, id));
    process.kill(conmonPid, 'SIGKILL');
    await until('conmon gone', () => !alive(conmonPid));
    assert.ok(!conmonAlive(paths) && !isMonitored(paths, id));
    await sleep(200);
    assert.ok(alive(pid), 'container process survives conmon');
    assert.deepEqual(await runcState(lab.rt, id).then((s) => s && [s.status, s.pid]), ['running', pid]);
    assert.equal(readExitCode(paths, id), undefined, 'nobody recorded an exit');
    assert.throws(
      () => attach(paths, { stdout: sink(), stderr: sink() }),
      (e) => isKind(e, 'failed-precondition'),
    );
    await runcDelete(lab.rt, id, true);
    assert.equal(await runcState(lab.rt, id), undefined);
    await until('container process gone', () => !alive(pid));
  });

  test('logs: follow until the container exits; tail; since', async () => {
    const { id, paths } = lab.bundle({
      cmd: ['sh', '-c', 'for i in 1 2 3 4; do echo line$i; sleep 0.2; done; printf partial'],
    });
    await conmonCreate(lab.rt, id, 'logs', paths, { terminal: false, stdin: false });
    await runcStart(lab.rt, id);
    const started = Date.now();
    const followed = await collect(paths.logPath, {
      follow: true,
      isRunning: () => isMonitored(paths, id),
    });
    assert.ok(Date.now() - started >= 500, 'followed while the container ran');
    assert.deepEqual(
      followed.map((r) => r.line),
      ['line1', 'line2', 'line3', 'line4', 'partial'],
    );
    assert.deepEqual(
      followed.map((r) => r.partial),
      [false, false, false, false, true],
    );
    const tail = await collect(paths.logPath, { tail: 2 });
    assert.deepEqual(
      tail.map((r) => r.line),
      ['line4', 'partial'],
    );
    const since = await collect(paths.logPath, { since: followed[2].timestamp });
    assert.deepEqual(
      since.map((r) => r.line),
      ['line3', 'line4', 'partial'],
    );
    assert.equal(await waitExitCode(paths, id), 0);
  });
});
