// Running a program to completion with its output captured: the engine's
// iptables calls, the lesson's steps, and the tests' CLI and docker runs.
import os from 'node:os';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CaptureOptions {
  env?: NodeJS.ProcessEnv;
  /** written to stdin, which is then closed */
  input?: string | Buffer;
  /** SIGKILL after this long */
  timeoutMs?: number;
  /** working directory (default: this process's) */
  cwd?: string;
}

/** Exit code, or 128+N when killed by signal N. Rejects when the program cannot start. */
export function capture(cmd: string, args: readonly string[], opts: CaptureOptions = {}): Promise<Captured> {
  return new Promise((resolve, reject) => {
    // node:child_process (and node:net under it) is required on first use: `version`
    // loads this module but runs nothing when the versions are cached
    const { spawn } = require('node:child_process') as typeof import('node:child_process'); // eslint-disable-line @typescript-eslint/no-require-imports
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer | string) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer | string) => (stderr += d.toString()));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the program may exit without reading
    child.stdin.end(opts.input);
  });
}
