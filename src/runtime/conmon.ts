// Creating a container through conmon 2.1.6, as podman drives it
// (libpod/oci_conmon_common.go): conmon double-forks (it is never our child
// for long), runs `runc create`, relays the container's stdio to the log file
// and to clients of its attach socket, reaps the container and writes its exit
// code, then runs the exit command.
//
// What conmon does, as read in its source and observed here:
// - sync pipe (fd 3, _OCI_SYNCPIPE): one JSON line, `{"data": <container pid>}` once
//   `runc create` succeeded, or `{"data": -1, "message": "<runc's stderr>"}` when it
//   failed (conmon then exits without an exit file; runc has removed the container).
//   We give no start pipe (_OCI_STARTPIPE): that only lets podman move conmon into a
//   cgroup before it forks.
// - with --full-attach the attach socket (SOCK_SEQPACKET) and the `ctl` and `winsz`
//   FIFOs are created in the bundle directory: <bundle>/attach, <bundle>/ctl,
//   <bundle>/winsz. conmon unlinks the attach socket when it exits; ctl/winsz stay.
// - exit code: the exit status, or 128+signal when the container's process was
//   killed by a signal (SIGKILL → 137, SIGTERM → 143), written to <exit-dir>/<id>
//   and <persist-dir>/exit AFTER the attach clients have been disconnected, so
//   wait for it with waitExitCode().
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, internal, invalidArgument, StowageError } from '../errdefs';
import { conmonRuntimeArgs, spawnConmon } from './conmon-spawn';
import { resolveExecutable, runcDelete, runtimeError, type RuntimeConfig } from './runc';
import { readExitCode, readText, type ContainerPaths } from './conmon-files';

// where conmon's files are and reading its exit file: a module of their own, which
// the read side of containers (engine/container-reads.ts) loads without the rest
export { containerPaths, readExitCode, type ContainerPaths } from './conmon-files';

/** runc's --log file (JSON lines) for the create, next to config.json. */
export const ociLogPath = (paths: ContainerPaths) => path.join(paths.bundle, 'oci-log');

export interface CreateOptions {
  /** a pty (conmon -t; runc --console-socket is handled by conmon) */
  terminal: boolean;
  /** keep a stdin pipe open (conmon -i; ignored with terminal, where the pty is the stdin) */
  stdin: boolean;
  /**
   * Docker's !StdinOnce: when an attached client closes its stdin or goes away, the
   * container's stdin stays open (`run -id`, later `attach`). Without it (`run -i` in
   * the foreground) the container's stdin is closed then.
   */
  leaveStdinOpen?: boolean;
  /** run when the container has exited (argv; a bare name is looked up in PATH) */
  exitCommand?: string[];
  /** conmon --log-level (its messages go to syslog with `syslog`, else nowhere) */
  logLevel?: string;
  syslog?: boolean;
  /** how long to wait for `runc create` (default 240 s, as podman) */
  timeoutMs?: number;
  /** --log-size-max: bytes after which conmon starts the log afresh (it renames a new file over it) */
  logSizeMax?: number;
}

function checkPaths(paths: ContainerPaths): void {
  const fixed = { attachSocket: 'attach', ctlFifo: 'ctl', winszFifo: 'winsz' } as const;
  for (const [key, name] of Object.entries(fixed) as [keyof typeof fixed, string][]) {
    if (path.resolve(paths[key]) !== path.resolve(paths.bundle, name)) {
      throw internal(
        `conmon --full-attach puts ${name} in the bundle: ${key} must be ${path.join(paths.bundle, name)}`,
      );
    }
  }
}

const rmf = (p: string) => fs.rmSync(p, { force: true });

/**
 * Creates the container through conmon (which runs `runc create`); resolves once
 * runc create finished, with the container's pid and conmon's. The container is
 * then "created": attach now (no output is lost), then runcStart().
 * A missing / non-executable command rejects with CommandNotFoundError /
 * CommandNotInvocableError (Docker's texts), any other runc failure with an internal error.
 */
export async function conmonCreate(
  rt: RuntimeConfig,
  id: string,
  name: string,
  paths: ContainerPaths,
  opts: CreateOptions,
): Promise<{ pid: number; conmonPid: number }> {
  checkPaths(paths);
  // conmon splits "-l k8s-file:PATH" at every ':'
  if (paths.logPath.includes(':')) throw invalidArgument(`log path must not contain ':': ${paths.logPath}`);
  const conmon = resolveExecutable(rt.conmonPath ?? 'conmon');
  const runtime = resolveExecutable(rt.runtimePath);
  for (const dir of [
    paths.exitDir,
    paths.persistDir,
    path.dirname(paths.logPath),
    path.dirname(paths.pidFile),
    path.dirname(paths.conmonPidFile),
    rt.runtimeRoot,
  ]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  }
  const ociLog = ociLogPath(paths);
  // a restarted container must not report the previous run's exit or pids
  const stale = [
    path.join(paths.exitDir, id),
    path.join(paths.persistDir, 'exit'),
    paths.pidFile,
    paths.conmonPidFile,
    ociLog,
  ];
  for (const p of stale) rmf(p);

  const args = [
    '--api-version',
    '1',
    '-c',
    id,
    '-u',
    id,
    '-r',
    runtime,
    '-b',
    paths.bundle,
    '-p',
    paths.pidFile,
    '-n',
    name,
    '--exit-dir',
    paths.exitDir,
    '--persist-dir',
    paths.persistDir,
    '--full-attach',
    '-l',
    `k8s-file:${paths.logPath}`,
    '--conmon-pidfile',
    paths.conmonPidFile,
    ...conmonRuntimeArgs(rt, ociLog),
  ];
  if (opts.logSizeMax) args.push('--log-size-max', String(opts.logSizeMax));
  if (opts.logLevel) args.push('--log-level', opts.logLevel);
  if (opts.syslog) args.push('--syslog');
  if (opts.terminal) args.push('-t');
  else if (opts.stdin) {
    args.push('-i');
    if (opts.leaveStdinOpen) args.push('--leave-stdin-open');
  }
  if (opts.exitCommand && opts.exitCommand.length > 0) {
    args.push('--exit-command', resolveExecutable(opts.exitCommand[0]));
    for (const a of opts.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }

  const { info, stderr } = await spawnConmon(conmon, args, paths.bundle, opts.timeoutMs ?? 240_000);
  if (!info || info.data <= 0) {
    await runcDelete(rt, id, true).catch(() => undefined);
    const runcText = readText(ociLog).trim() ? readText(ociLog) : (info?.message ?? '');
    if (!runcText.trim()) {
      throw internal(`container create failed (no logs from conmon)${stderr ? `: ${stderr}` : ''}`);
    }
    throw runtimeError('create', runcText, id);
  }
  const conmonPid = Number.parseInt(readText(paths.conmonPidFile).trim(), 10);
  return { pid: info.data, conmonPid: Number.isNaN(conmonPid) ? 0 : conmonPid };
}

/**
 * Waits for conmon's exit file (conmon writes it only after closing the attach
 * sockets, so attach's `done` may come first). undefined after timeoutMs.
 */
export async function waitExitCode(paths: ContainerPaths, id: string, timeoutMs = 10_000): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const code = readExitCode(paths, id);
    if (code !== undefined || Date.now() >= deadline) return code;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the conmon of this container (per its pid file) is alive. */
export function conmonAlive(paths: ContainerPaths): boolean {
  const pid = Number.parseInt(readText(paths.conmonPidFile).trim(), 10);
  if (!(pid > 0)) return false;
  const cmdline = readText(`/proc/${pid}/cmdline`); // a reused pid is some other program
  return cmdline.includes('conmon') && cmdline.includes(paths.bundle);
}

/**
 * Whether the container's output may still grow: conmon is alive and has not
 * written the exit file. (runc state says "stopped" as soon as the process is
 * reaped, before conmon drained the last output into the log: use this for
 * `logs --follow`.)
 */
export function isMonitored(paths: ContainerPaths, id: string): boolean {
  return readExitCode(paths, id) === undefined && conmonAlive(paths);
}

// conmon 2.1.6 reads ctl with one static buffer and, when several messages arrive
// in one read, applies the first one to each of them: resizes to one container are
// therefore spaced (the latest size wins) so conmon sees one message per read.
const RESIZE_SPACING_MS = 40;
const resizeState = new Map<string, { last: number; pending?: [number, number]; timer?: NodeJS.Timeout }>();

function writeCtl(ctl: string, rows: number, cols: number, type = 1): void {
  let fd: number;
  try {
    // O_NONBLOCK: never hang when conmon (the reader) is gone (ENXIO then)
    fd = fs.openSync(ctl, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (['ENXIO', 'ENOENT'].includes(errnoCode(err) ?? '')) return; // the container is not running
    throw err;
  }
  try {
    fs.writeSync(fd, `${type} ${rows} ${cols}\n`);
  } catch (err) {
    if (!['EPIPE', 'EAGAIN'].includes(errnoCode(err) ?? '')) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Has conmon close and reopen the container's log file ("2 0 0\n" on the ctl FIFO:
 * conmon's REOPEN_LOGS_EVENT), after the file was moved away for rotation.
 * A container that is not running is ignored.
 */
export function reopenLogs(paths: ContainerPaths): void {
  writeCtl(paths.ctlFifo, 0, 0, 2);
}

/**
 * Sets the container's terminal size (through conmon's ctl FIFO: "1 <rows> <cols>\n").
 * Call it after conmonCreate (before runcStart, for the initial size) and on SIGWINCH.
 * A container that is not running is ignored.
 */
export function resize(paths: ContainerPaths, rows: number, cols: number): void {
  if (!(rows > 0 && cols > 0)) throw new StowageError('invalid-argument', `invalid terminal size ${rows}x${cols}`);
  const r = Math.min(Math.trunc(rows), 65535);
  const c = Math.min(Math.trunc(cols), 65535);
  const st = resizeState.get(paths.ctlFifo) ?? { last: 0 };
  resizeState.set(paths.ctlFifo, st);
  const wait = st.last + RESIZE_SPACING_MS - Date.now();
  if (wait <= 0 && !st.timer) {
    st.last = Date.now();
    writeCtl(paths.ctlFifo, r, c);
    return;
  }
  st.pending = [r, c];
  if (!st.timer) {
    st.timer = setTimeout(
      () => {
        st.timer = undefined;
        st.last = Date.now();
        const p = st.pending;
        st.pending = undefined;
        try {
          if (p) writeCtl(paths.ctlFifo, p[0], p[1]);
        } catch {
          // a late resize of a container going away: nothing to tell anyone
        }
      },
      Math.max(wait, 1),
    );
    st.timer.unref();
  }
}
