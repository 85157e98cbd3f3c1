// `docker exec` on runc 1.1.5 directly (no conmon): `runc exec --process <json>`.
//
// Foreground, runc waits for the process, relays its stdio (pipes, or with
// process.terminal a pty that runc itself allocates: it puts the terminal it
// finds on its stderr/stdout/stdin (else /dev/tty) in raw mode, copies both
// ways and follows SIGWINCH) and exits with the process's status (128+signal
// when killed). runc's own failure (e.g. the command does not exist) happens
// before the process starts, i.e. before runc writes --pid-file: until that file
// exists runc's stderr is held back, so a failure is thrown, never printed.
// `-d`: runc returns once the process started; the process gets /dev/null.
// `-d` with a terminal: someone must hold the pty's master for as long as the
// process runs (its closing hangs the terminal up), so that goes through conmon
// (`conmon --exec`, as podman does), which keeps it and discards the output.
import { spawn, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { conflict, notFound } from '../errdefs';
import { attach, type AttachIO, type Attachment } from './attach';
import { containerPaths, resize } from './conmon';
import { conmonRuntimeArgs, spawnConmon } from './conmon-spawn';
import { specJson, type OciSpec } from './spec';
import { resolveExecutable, runcGlobalArgs, runcState, runtimeError, type RuntimeConfig } from './runc';
import { onAbruptExit } from '../util/exit-hooks';

export type OciProcess = OciSpec['process'] & {
  /** the pty's size when the process starts (runc 1.1.5 honours it) */
  consoleSize?: { height: number; width: number };
};
export type ExecInput = 'inherit' | 'ignore' | NodeJS.ReadableStream;
export type ExecOutput = 'inherit' | 'ignore' | NodeJS.WritableStream;

export interface ExecOptions {
  /** runc exec -d: return once the process started (exit code 0) */
  detach?: boolean;
  /** default: all inherited. A stream is relayed through a pipe. */
  stdio?: [ExecInput, ExecOutput, ExecOutput];
  /** called with the pid of the runc process (e.g. to forward signals) */
  onSpawn?: (runcPid: number) => void;
  /**
   * detach + terminal only: conmon's working directory for this exec session
   * (process.json, pid, exit file, ctl/winsz FIFOs); default <bundle>/exec/<random>,
   * removed with the bundle.
   */
  execDir?: string;
}

const kind = (s: ExecInput | ExecOutput): 'inherit' | 'ignore' | 'pipe' => (typeof s === 'string' ? s : 'pipe');

/**
 * Runs `proc` (args, env, cwd, user, capabilities, terminal... as in config.json)
 * in the running container `id`; resolves with its exit code (0 for detach).
 * A command that does not exist / cannot be executed rejects with
 * CommandNotFoundError / CommandNotInvocableError ("OCI runtime exec failed: ...").
 * In the foreground a terminal needs one on our side (inherited stdio or /dev/tty).
 */
export async function runcExec(
  rt: RuntimeConfig,
  id: string,
  proc: OciProcess,
  opts: ExecOptions = {},
): Promise<number> {
  const inherited = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
  if (proc.terminal && !proc.consoleSize && !opts.detach) {
    // runc sizes its pty from our terminal only after the process started: a quick
    // `stty size` would see 0 0. Docker passes the size in the process spec; so do we.
    const candidates: NodeJS.WriteStream[] = [];
    if (inherited[1] === 'inherit') candidates.push(process.stdout);
    if (inherited[2] === 'inherit') candidates.push(process.stderr);
    const tty = candidates.find((s) => s.isTTY && s.rows > 0 && s.columns > 0);
    if (tty) proc = { ...proc, consoleSize: { height: tty.rows, width: tty.columns } };
  }
  if (opts.detach && proc.terminal) return conmonExecDetached(rt, id, proc, opts.execDir);
  const tmp = rt.scratchDir?.('exec') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-exec-'));
  // gone however this process ends (a signal while runc runs included)
  const forget = onAbruptExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  try {
    const procFile = path.join(tmp, 'process.json');
    fs.writeFileSync(procFile, specJson(proc));
    const sub = ['exec', '--process', procFile, ...(opts.detach ? ['--detach'] : [])];
    const io = opts.detach ? (['ignore', 'ignore', 'ignore'] as const) : inherited;
    return await runcForeground(rt, 'exec', sub, id, {
      stdio: [io[0], io[1], io[2]],
      onSpawn: opts.onSpawn,
      workDir: tmp,
      quietStderr: opts.detach,
    });
  } finally {
    forget();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export interface ForegroundOptions {
  stdio: [ExecInput, ExecOutput, ExecOutput];
  onSpawn?: (runcPid: number) => void;
  /** Called once the container's process started, with its pid. */
  onStarted?: (pid: number) => void;
  /** Where the pid file and runc's log go (removed by the caller). */
  workDir: string;
  quietStderr?: boolean;
}

/**
 * `runc exec` or `runc run` in the foreground: runc relays the process's stdio
 * (or its own pty) and exits with the process's status. runc's own failure (the
 * command does not exist...) happens before it writes --pid-file: until that file
 * exists runc's stderr is held back, so a failure is thrown with Docker's wording
 * (CommandNotFoundError / CommandNotInvocableError), never printed raw.
 */
export async function runcForeground(
  rt: RuntimeConfig,
  op: 'exec' | 'create',
  sub: string[],
  id: string,
  opts: ForegroundOptions,
): Promise<number> {
  const pidFile = path.join(opts.workDir, 'pid');
  const logFile = path.join(opts.workDir, 'log');
  fs.rmSync(pidFile, { force: true });
  const args = [...runcGlobalArgs(rt), '--log', logFile, ...sub, '--pid-file', pidFile, id];
  const io = opts.stdio;
  const stdio: StdioOptions = [kind(io[0]), kind(io[1]), opts.quietStderr ? 'ignore' : 'pipe'];
  const child = spawn(rt.runtimePath, args, { stdio });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);

  // stdin / stdout relays
  if (typeof io[0] !== 'string' && child.stdin) {
    io[0].pipe(child.stdin);
    child.stdin.on('error', () => undefined); // the process may exit without reading
  }
  if (typeof io[1] !== 'string' && child.stdout) child.stdout.pipe(io[1], { end: false });

  // stderr: held back until runc wrote the pid file (the process started)
  const errTarget: NodeJS.WritableStream | undefined =
    typeof io[2] !== 'string' ? io[2] : io[2] === 'inherit' ? process.stderr : undefined;
  const held: Buffer[] = [];
  let started = false;
  const checkStarted = () => {
    if (started || !fs.existsSync(pidFile)) return;
    started = true;
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8'), 10);
    if (pid > 0) opts.onStarted?.(pid);
    for (const b of held.splice(0)) errTarget?.write(b);
  };
  const poll = setInterval(checkStarted, 20);
  poll.unref();
  child.stderr?.on('data', (d: Buffer) => {
    checkStarted();
    if (started) errTarget?.write(d);
    else held.push(d);
  });

  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, signal) => resolve(c ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
  clearInterval(poll);
  if (typeof io[0] !== 'string' && child.stdin) {
    io[0].unpipe(child.stdin);
    io[0].pause(); // we no longer consume it (a still-flowing process.stdin would keep Node alive)
  }
  checkStarted();
  if (!started && code !== 0) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    throw runtimeError(op, log.trim() ? log : Buffer.concat(held).toString('utf8'), id);
  }
  for (const b of held.splice(0)) errTarget?.write(b);
  return code;
}

/** An exec session's directory under the container's bundle, with the process spec written in it. */
async function execSessionDir(
  rt: RuntimeConfig,
  id: string,
  proc: OciProcess,
  execDir?: string,
): Promise<{ dir: string; session: string; procFile: string; ociLog: string }> {
  const state = await runcState(rt, id);
  if (!state) throw notFound(`No such container: ${id}`);
  if (state.status === 'paused') throw conflict(`Container ${id} is paused, unpause the container before exec`);
  if (state.status !== 'running') throw conflict(`container ${id} is not running`);
  const session = crypto.randomBytes(16).toString('hex');
  const dir = execDir ?? path.join(state.bundle ?? os.tmpdir(), 'exec', session);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const procFile = path.join(dir, 'process.json');
  fs.writeFileSync(procFile, specJson(proc));
  return { dir, session, procFile, ociLog: path.join(dir, 'oci-log') };
}

/** conmon's arguments for an exec session in `dir` (its pty, if any, and attach socket live there). */
function conmonExecArgs(
  rt: RuntimeConfig,
  id: string,
  s: { dir: string; session: string; procFile: string; ociLog: string },
): string[] {
  return [
    '--api-version',
    '1',
    '-c',
    id,
    '-u',
    s.session,
    '-r',
    resolveExecutable(rt.runtimePath),
    '-b',
    s.dir,
    '-p',
    path.join(s.dir, 'pid'),
    '-n',
    id,
    '--exit-dir',
    s.dir,
    '--persist-dir',
    s.dir,
    '--full-attach',
    '-l',
    'none',
    ...conmonRuntimeArgs(rt, s.ociLog),
    '-e',
    '--exec-process-spec',
    s.procFile,
  ];
}

/** `exec -d -t`: conmon --exec holds the pty; resolves 0 once the process started. */
async function conmonExecDetached(rt: RuntimeConfig, id: string, proc: OciProcess, execDir?: string): Promise<number> {
  const s = await execSessionDir(rt, id, proc, execDir);
  const { dir, ociLog } = s;
  const args = [...conmonExecArgs(rt, id, s), '-t'];
  const { info, stderr } = await spawnConmon(resolveExecutable(rt.conmonPath ?? 'conmon'), args, dir, 60_000);
  if (!info || info.data <= 0) {
    const log = fs.existsSync(ociLog) ? fs.readFileSync(ociLog, 'utf8') : '';
    throw runtimeError('exec', log.trim() ? log : (info?.message ?? stderr), id);
  }
  return 0;
}

/** An exec session attached through conmon: its pid, its exit, and its terminal's size. */
export interface AttachedExec {
  pid: number;
  /** the process's exit code (128+signal when killed) */
  exited: Promise<number>;
  attachment: Attachment;
  resize(rows: number, cols: number): void;
}

/** Reads one JSON line after another from conmon's pipe. */
function lineReader(stream: Readable): () => Promise<{ data: number; message?: string } | undefined> {
  let buf = '';
  let ended = false;
  let waiting: (() => void) | undefined;
  stream.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    waiting?.();
  });
  stream.on('end', () => {
    ended = true;
    waiting?.();
  });
  stream.on('error', () => {
    ended = true;
    waiting?.();
  });
  return async () => {
    for (;;) {
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return JSON.parse(line) as { data: number; message?: string };
      }
      if (ended) return undefined;
      await new Promise<void>((r) => (waiting = r));
      waiting = undefined;
    }
  };
}

/**
 * An exec whose stdio is relayed by conmon's attach socket, with or without a
 * terminal (the API's exec start, `exec -t` through the service): conmon waits
 * (--exec-attach) until we are attached and sized before it runs `runc exec`, so
 * no output is lost. The start and attach pipes are conmon's protocol with
 * podman: one write lets conmon set up, its attach message says the socket is
 * there, a second write starts the process; the sync pipe gives the pid, then
 * the exit code.
 */
export async function conmonExecAttached(
  rt: RuntimeConfig,
  id: string,
  proc: OciProcess,
  io: AttachIO,
  opts: { execDir?: string; stdin?: boolean } = {},
): Promise<AttachedExec> {
  const s = await execSessionDir(rt, id, proc, opts.execDir);
  const args = [...conmonExecArgs(rt, id, s), '--exec-attach', ...(proc.terminal ? ['-t'] : opts.stdin ? ['-i'] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' };
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the environment handed to spawn() is a plain object
  for (const k of ['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[k];
  const child = spawn(resolveExecutable(rt.conmonPath ?? 'conmon'), args, {
    cwd: s.dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const pipes = child.stdio as unknown as Array<Readable & Writable>;
  child.unref();
  const errChunks: Buffer[] = [];
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- stdio[2] is 'pipe', so the child has a stderr stream
  child.stderr!.on('data', (d: Buffer) => errChunks.push(d));
  const sync = lineReader(pipes[3]);
  const attachMsg = lineReader(pipes[5]);
  const start = pipes[4];
  const fail = (message: string): never => {
    const log = fs.existsSync(s.ociLog) ? fs.readFileSync(s.ociLog, 'utf8') : '';
    throw runtimeError('exec', log.trim() ? log : message, id);
  };
  const close = () => {
    for (const fd of [3, 4, 5]) pipes[fd]?.destroy();
    child.stderr?.destroy();
  };
  try {
    start.write('0');
    const exited = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 0)));
    });
    if (exited !== 0) fail(`conmon failed: exit status ${exited}: ${Buffer.concat(errChunks).toString('utf8').trim()}`);
    if (!(await attachMsg())) fail('conmon did not set up the exec session');
    const paths = containerPaths(s.dir, { exitDir: s.dir, persistDir: s.dir });
    const attachment = attach(paths, io);
    if (proc.consoleSize) resize(paths, proc.consoleSize.height, proc.consoleSize.width);
    start.write('0');
    const started = await sync();
    if (!started || started.data <= 0) {
      attachment.detach();
      return fail(started?.message ?? 'exec failed');
    }
    const exitedCode = sync().then((m) => {
      close();
      if (m) return m.data;
      const file = path.join(s.dir, id);
      return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : -1;
    });
    return { pid: started.data, exited: exitedCode, attachment, resize: (r, c) => resize(paths, r, c) };
  } catch (e) {
    close();
    throw e;
  }
}
