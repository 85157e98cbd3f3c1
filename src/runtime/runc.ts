// Driving runc 1.1.5 directly: lifecycle commands (start, kill, state, delete,
// pause, resume) and the one place where runc's error text is interpreted.
//
// Every call passes `--log-format json`, so runc's own messages on stderr are
// JSON lines ({"level":"error","msg":...}) that cannot be mistaken for a
// container's output.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandNotFoundError, CommandNotInvocableError, StowageError, conflict, internal, notFound } from '../errdefs';

export interface RuntimeConfig {
  /** 'runc' (looked up in PATH) or a path */
  runtimePath: string;
  /** runc --root: where runc keeps its state, under the stowage run root */
  runtimeRoot: string;
  /** default: 'conmon' from PATH */
  conmonPath?: string;
  /**
   * A fresh directory for one command's files (an exec's pid file and log), in the
   * store's temporary area so what a killed process leaves is cleaned up later;
   * default: a new directory under the system's temporary directory.
   */
  scratchDir?: (prefix: string) => string;
}

const DOES_NOT_EXIST = /container does not exist/i;

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Absolute path of an executable: a name is looked up in PATH (conmon execv()s what it is given). */
export function resolveExecutable(name: string, envPath = process.env.PATH ?? DEFAULT_PATH): string {
  if (name.includes('/')) return path.resolve(name);
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // next
    }
  }
  throw new StowageError('failed-precondition', `${name}: executable file not found in $PATH`);
}

/** The global flags every runc invocation gets. */
export function runcGlobalArgs(rt: RuntimeConfig): string[] {
  return ['--root', rt.runtimeRoot, '--log-format', 'json'];
}

export interface RuncResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs runc to completion, capturing its output (stdin: /dev/null). */
export function runRunc(rt: RuntimeConfig, args: string[]): Promise<RuncResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(rt.runtimePath, [...runcGlobalArgs(rt), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + (signal ? os.constants.signals[signal] : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/**
 * runc's error message from its stderr or --log file: the `msg` of the last
 * JSON line with level "error" (or "fatal"); text that is not JSON (runc's
 * plain echo of the error, a crash) is returned trimmed.
 */
export function runcErrorMessage(text: string): string {
  let msg: string | undefined;
  const plain: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      const rec = JSON.parse(t) as { level?: string; msg?: string };
      if ((rec.level === 'error' || rec.level === 'fatal') && typeof rec.msg === 'string') msg = rec.msg;
    } catch {
      // not a JSON log line: keep it as plain text
      plain.push(t);
    }
  }
  return msg ?? plain.join('\n');
}

export interface RuncErrorClass {
  /** not-found: Docker exits 127; not-executable: 126 */
  kind: 'not-found' | 'not-executable';
  /** what Docker appends to the message */
  suffix?: string;
}

/**
 * THE place where runc's error text is interpreted, with Docker's rules
 * (moby daemon/start.go translateContainerdStartErr), on the lowercased text:
 * "executable file not found" or "no such file or directory" → 127;
 * "permission denied" → 126; "is a directory" → 126 (", permission denied" appended,
 * as Docker does for Go ≥ 1.20 runtimes); "not a directory" → 127 with Docker's
 * mount hint. Anything else is not a command problem (undefined).
 */
export function classifyRuncError(stderr: string): RuncErrorClass | undefined {
  const s = stderr.toLowerCase();
  let cls: RuncErrorClass | undefined;
  if (s.includes('executable file not found') || s.includes('no such file or directory')) cls = { kind: 'not-found' };
  if (s.includes('permission denied')) cls = { kind: 'not-executable' };
  if (s.includes('is a directory')) return { kind: 'not-executable', suffix: ': permission denied' };
  if (s.includes('not a directory')) {
    const hint =
      'Are you trying to mount a directory onto a file (or vice-versa)? ' +
      'Check if the specified host path exists and is the expected type';
    cls = { kind: 'not-found', suffix: `: ${hint}` };
  }
  return cls;
}

/**
 * The error for a failed `runc create` / `runc exec`, worded as Docker's:
 * create: `failed to create shim task: OCI runtime create failed: <runc's message>: unknown`;
 * exec: `OCI runtime exec failed: <runc's message>: unknown`.
 * A missing command gives CommandNotFoundError, a non-executable one CommandNotInvocableError;
 * exec into an unknown container: not-found; into a stopped or paused one: conflict.
 */
export function runtimeError(op: 'create' | 'exec' | 'start', runcText: string, id = ''): StowageError {
  const msg = runcErrorMessage(runcText) || `runc ${op} failed`;
  if (DOES_NOT_EXIST.test(msg)) return notFound(`No such container: ${id}`);
  if (/cannot exec in a stopped container/.test(msg)) return conflict(`container ${id} is not running`);
  if (/cannot exec in a paused container/.test(msg)) {
    return conflict(`Container ${id} is paused, unpause the container before exec`);
  }
  const prefix =
    op === 'create' ? 'failed to create shim task: OCI runtime create failed: ' : `OCI runtime ${op} failed: `;
  const cls = classifyRuncError(msg);
  const full = `${prefix}${msg}: unknown${cls?.suffix ?? ''}`;
  if (cls?.kind === 'not-found') return new CommandNotFoundError(full);
  if (cls?.kind === 'not-executable') return new CommandNotInvocableError(full);
  return internal(full);
}

function failure(rt: RuntimeConfig, id: string, op: string, r: RuncResult): StowageError {
  const msg = runcErrorMessage(r.stderr) || `exit status ${r.code}`;
  if (DOES_NOT_EXIST.test(msg)) return notFound(`No such container: ${id}`);
  if (/container not running|not running/i.test(msg)) return conflict(`Container ${id} is not running`);
  if (/is paused/i.test(msg))
    return conflict(`Container ${id} is paused, unpause the container before stopping or killing`);
  return internal(`runc ${op} ${id} (root ${rt.runtimeRoot}): ${msg}`);
}

/** `runc start`: runs the command of a created container. */
export async function runcStart(rt: RuntimeConfig, id: string): Promise<void> {
  const r = await runRunc(rt, ['start', id]);
  if (r.code !== 0) {
    const msg = runcErrorMessage(r.stderr);
    if (classifyRuncError(msg)) throw runtimeError('start', r.stderr, id);
    throw failure(rt, id, 'start', r);
  }
}

/** Normalises 'TERM', 'sigterm', 'SIGTERM', '15' for runc (it accepts all of them; we upper-case names). */
export function normalizeSignal(signal: string | number): string {
  const s = String(signal).trim();
  if (/^\d+$/.test(s)) return s;
  const up = s.toUpperCase();
  return up.startsWith('SIG') ? up : `SIG${up}`;
}

/**
 * `runc kill [--all] ID SIGNAL`. A stopped container: conflict ("is not running");
 * an unknown one: not-found.
 */
export async function runcKill(rt: RuntimeConfig, id: string, signal: string | number, all = false): Promise<void> {
  const r = await runRunc(rt, ['kill', ...(all ? ['--all'] : []), id, normalizeSignal(signal)]);
  if (r.code !== 0) throw failure(rt, id, 'kill', r);
}

export interface RuncState {
  status: ContainerStatus;
  pid: number;
  bundle?: string;
  created?: string;
}

/** `runc state`: undefined when runc does not know the container. */
export async function runcState(rt: RuntimeConfig, id: string): Promise<RuncState | undefined> {
  const r = await runRunc(rt, ['state', id]);
  if (r.code !== 0) {
    if (DOES_NOT_EXIST.test(runcErrorMessage(r.stderr))) return undefined;
    throw failure(rt, id, 'state', r);
  }
  const st = JSON.parse(r.stdout) as { status: ContainerStatus; pid: number; bundle?: string; created?: string };
  return { status: st.status, pid: st.pid, bundle: st.bundle, created: st.created };
}

/** `runc delete [--force]`; a container runc does not know is already deleted (no error). */
export async function runcDelete(rt: RuntimeConfig, id: string, force = false): Promise<void> {
  const r = await runRunc(rt, ['delete', ...(force ? ['--force'] : []), id]);
  if (r.code !== 0 && !DOES_NOT_EXIST.test(runcErrorMessage(r.stderr))) throw failure(rt, id, 'delete', r);
}

/** `runc update --resources FILE`: new cgroup limits for a running container (`update`). */
export async function runcUpdate(rt: RuntimeConfig, id: string, resourcesFile: string): Promise<void> {
  const r = await runRunc(rt, ['update', '--resources', resourcesFile, id]);
  if (r.code !== 0) throw failure(rt, id, 'update', r);
}

/** `runc pause`: freezes every process of the container (cgroup freezer). */
export async function runcPause(rt: RuntimeConfig, id: string): Promise<void> {
  const r = await runRunc(rt, ['pause', id]);
  if (r.code !== 0) throw failure(rt, id, 'pause', r);
}

/** `runc resume`: thaws a paused container. */
export async function runcResume(rt: RuntimeConfig, id: string): Promise<void> {
  const r = await runRunc(rt, ['resume', id]);
  if (r.code !== 0) throw failure(rt, id, 'resume', r);
}
