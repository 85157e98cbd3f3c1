// Commands run in a running container (ExecSync, and Exec's non-terminal
// sessions): `runc exec` with the container's own process (user, environment,
// working directory, capabilities, seccomp: everything its config.json says)
// and the new arguments, its output relayed or collected.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { attach } from '../runtime/attach';
import { containerPaths, resize, waitExitCode } from '../runtime/conmon';
import { conmonRuntimeArgs } from '../runtime/conmon-spawn';
import { runcForeground, type OciProcess } from '../runtime/exec';
import { resolveExecutable, runtimeError } from '../runtime/runc';
import { specJson } from '../runtime/spec';
import { deadlineExceeded, unknown } from './status';
import type { Tasks } from './tasks';

/** containerd caps what ExecSync returns per stream at 16 MiB. */
const MAX_OUTPUT = 16 << 20;

/** The container's process (from its bundle) with new arguments; no terminal unless asked. */
export function execProcess(tasks: Tasks, id: string, cmd: string[], tty = false): OciProcess {
  if (cmd.length === 0) throw unknown('failed to exec in container: no command given');
  let spec: { process: OciProcess };
  try {
    spec = JSON.parse(fs.readFileSync(path.join(tasks.layout.paths(id).bundle, 'config.json'), 'utf8')) as {
      process: OciProcess;
    };
  } catch {
    // no readable bundle config: the container is not running (its bundle is gone)
    throw unknown(`container "${id}" is not running`);
  }
  const proc: OciProcess = { ...spec.process, args: cmd, terminal: tty };
  delete proc.consoleSize;
  if (tty && !proc.env.some((e) => e.startsWith('TERM='))) proc.env = [...proc.env, 'TERM=xterm'];
  return proc;
}

/** Collects a stream's bytes up to a limit (the rest is dropped). */
class Collector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.size < MAX_OUTPUT) {
      const part = chunk.subarray(0, MAX_OUTPUT - this.size);
      this.chunks.push(part);
      this.size += part.length;
    }
    cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface ExecStreams {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * Runs `proc` in the container; resolves with its exit code. With a timeout
 * (seconds, 0 = none) the process is killed when it runs out, and the call
 * rejects with DeadlineExceeded, as containerd's does.
 */
export async function runExec(
  tasks: Tasks,
  id: string,
  proc: OciProcess,
  io: ExecStreams,
  timeoutSec = 0,
): Promise<number> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-cri-exec-'));
  let timedOut = false;
  const timer =
    timeoutSec > 0
      ? setTimeout(() => {
          timedOut = true;
          // the process itself: killing runc would leave it running in the container
          const pid = Number.parseInt(
            fs.existsSync(path.join(workDir, 'pid')) ? fs.readFileSync(path.join(workDir, 'pid'), 'utf8') : '',
            10,
          );
          if (pid > 0) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // gone already
            }
          }
        }, timeoutSec * 1000)
      : undefined;
  try {
    fs.writeFileSync(path.join(workDir, 'process.json'), JSON.stringify(proc));
    const code = await runcForeground(tasks.rt, 'exec', ['exec', '--process', path.join(workDir, 'process.json')], id, {
      stdio: [io.stdin ?? 'ignore', io.stdout ?? 'ignore', io.stderr ?? 'ignore'],
      workDir,
    });
    if (timedOut) throw deadlineExceeded(`timeout ${timeoutSec}s exceeded: context deadline exceeded`);
    return code;
  } catch (e) {
    if (timedOut) throw deadlineExceeded(`timeout ${timeoutSec}s exceeded: context deadline exceeded`);
    throw unknown(
      `failed to exec in container: failed to start exec "${path.basename(workDir)}": ${(e as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** ExecSync: the command's output and exit code. */
export async function execSync(
  tasks: Tasks,
  id: string,
  cmd: string[],
  timeoutSec: number,
): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
  const proc = execProcess(tasks, id, cmd);
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runExec(tasks, id, proc, { stdout, stderr }, timeoutSec);
  return { stdout: stdout.bytes, stderr: stderr.bytes, exit_code: code };
}

/** Reads the first line a pipe gives (undefined at its end). */
function firstLine(stream: Readable, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`conmon: no answer in ${timeoutMs} ms`)), timeoutMs);
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(undefined, buf.slice(0, nl));
    };
    const onEnd = () => done(undefined, buf.trim() ? buf : undefined);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', (e) => done(e));
  });
}

export interface TtyExec {
  /** resolves with the exit code once the process is gone */
  done: Promise<number>;
  resize(rows: number, cols: number): void;
}

/**
 * An exec with a terminal, through `conmon --exec --exec-attach` as podman runs
 * one: conmon holds the pty and reaps the process (it is its subreaper); it
 * makes its attach socket, says so on the attach pipe, and runs `runc exec` only
 * once told on the start pipe, so the client is attached before any output.
 */
export async function startTtyExec(
  tasks: Tasks,
  id: string,
  proc: OciProcess,
  io: { stdin?: NodeJS.ReadableStream; stdout: NodeJS.WritableStream },
): Promise<TtyExec> {
  const session = randomBytes(6).toString('hex');
  const dir = path.join(tasks.layout.runDir, 'x', session); // short: the attach socket's path must fit in sun_path
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const paths = containerPaths(dir, { exitDir: dir, persistDir: dir });
  const ociLog = path.join(dir, 'oci-log');
  try {
    fs.writeFileSync(path.join(dir, 'process.json'), specJson(proc));
    const args = [
      '--api-version',
      '1',
      '-c',
      id,
      '-u',
      session,
      '-r',
      resolveExecutable(tasks.rt.runtimePath),
      '-b',
      dir,
      '-p',
      path.join(dir, 'pid'),
      '-n',
      id,
      '--exit-dir',
      dir,
      '--persist-dir',
      dir,
      '--full-attach',
      '-l',
      'none',
      ...conmonRuntimeArgs(tasks.rt, ociLog),
      '-e',
      '--exec-attach',
      '--exec-process-spec',
      path.join(dir, 'process.json'),
      '-t',
    ];
    const env = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' };
    const child = spawn(resolveExecutable(tasks.rt.conmonPath ?? 'conmon'), args, {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.unref();
    child.on('error', () => undefined);
    const stdio = child.stdio as unknown as Array<Readable & Writable>;
    const [sync, start, attachPipe] = [stdio[3], stdio[4], stdio[5]];
    const syncLine = firstLine(sync, 60_000);
    syncLine.catch(() => undefined);
    start.write('0'); // conmon may fork now
    const attached = await firstLine(attachPipe, 60_000);
    if (attached === undefined)
      throw unknown(
        `failed to exec in container: conmon ended before attaching: ${(await syncLine.catch(() => '')) ?? ''}`,
      );
    const attachment = attach(paths, { stdin: io.stdin, stdout: io.stdout, stderr: io.stdout });
    start.write('0'); // and run the process
    const line = await syncLine;
    const info = line ? (JSON.parse(line) as { data: number; message?: string }) : undefined;
    for (const s of [sync, start, attachPipe]) s.destroy();
    if (!info || info.data <= 0) {
      attachment.detach();
      const log = fs.existsSync(ociLog) ? fs.readFileSync(ociLog, 'utf8') : '';
      throw unknown(
        `failed to exec in container: ${runtimeError('exec', log.trim() ? log : (info?.message ?? ''), id).message}`,
      );
    }
    const done = attachment.done
      .catch(() => undefined)
      .then(() => waitExitCode(paths, session, 10_000))
      .then((code) => code ?? -1)
      .finally(cleanup);
    return { done, resize: (rows, cols) => resize(paths, rows, cols) };
  } catch (e) {
    cleanup();
    throw e;
  }
}
