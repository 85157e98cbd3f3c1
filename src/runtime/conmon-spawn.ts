// Starting conmon and reading its sync pipe (shared by container create and
// detached exec with a terminal).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { internal } from '../errdefs';
import type { RuntimeConfig } from './runc';

/** What conmon writes on the sync pipe (API version 1): a pid, or -1 and runc's stderr. */
export interface SyncInfo {
  data: number;
  message?: string;
}

/** conmon flags that make it drive runc like runcGlobalArgs(), logging runc's errors as JSON to `ociLog`. */
export function conmonRuntimeArgs(rt: RuntimeConfig, ociLog: string): string[] {
  return [
    '--runtime-arg',
    '--root',
    '--runtime-arg',
    rt.runtimeRoot,
    '--runtime-arg',
    '--log-format=json',
    '--runtime-arg',
    '--log',
    '--runtime-arg',
    ociLog,
  ];
}

/** Reads the first line conmon writes on the sync pipe; undefined at EOF without one. */
function readSyncLine(stream: Readable, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => finish(new Error(`conmon: no answer in ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, line?: string) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      if (err) reject(err);
      else resolve(line);
    };
    stream.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(undefined, buf.slice(0, nl));
    });
    stream.on('end', () => finish(undefined, buf.trim() ? buf : undefined));
    stream.on('error', (e) => finish(e));
  });
}

/**
 * Runs conmon with `args`: resolves once its first process exited (conmon has
 * double-forked by then) and the sync pipe gave its first line (undefined if
 * conmon closed it without writing). conmon's stdin/stdout are /dev/null, its
 * stderr a pipe kept only for its early errors (it moves its own stdio to
 * /dev/null after forking), the sync pipe is fd 3; it gets its own session
 * (a ^C in our terminal never reaches it) and is never waited for.
 */
export async function spawnConmon(
  conmonPath: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ info: SyncInfo | undefined; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3' };
  // runc would proxy sd_notify / conmon would rewrite LISTEN_PID: not ours to pass on
  for (const k of [
    'NOTIFY_SOCKET',
    'LISTEN_FDS',
    'LISTEN_PID',
    'LISTEN_FDNAMES',
    '_OCI_STARTPIPE',
    '_OCI_ATTACHPIPE',
  ]) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the environment handed to spawn() is a plain object
    delete env[k];
  }

  const child = spawn(conmonPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
  const errChunks: Buffer[] = [];
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- stdio[2] is 'pipe', so the child has a stderr stream
  child.stderr!.on('data', (d: Buffer) => errChunks.push(d));
  const stderr = () => Buffer.concat(errChunks).toString('utf8').trim();
  const sync = child.stdio[3] as Readable;
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 0)));
  });
  const line = readSyncLine(sync, timeoutMs);
  line.catch(() => undefined);
  child.unref();

  try {
    let code: number;
    try {
      code = await exited;
    } catch (err) {
      throw internal(`starting conmon (${conmonPath}): ${(err as Error).message}`, err);
    }
    if (code !== 0) throw internal(`conmon failed: exit status ${code}${stderr() ? `: ${stderr()}` : ''}`);
    const text = await line;
    if (text === undefined) return { info: undefined, stderr: stderr() };
    try {
      const info = JSON.parse(text) as SyncInfo;
      if (typeof info.data !== 'number') throw internal('no data');
      return { info, stderr: stderr() };
    } catch {
      // bad JSON or no data: the raw bytes go into the error
      throw internal(`conmon bytes ${JSON.stringify(text)}: not its sync message`);
    }
  } finally {
    sync.destroy();
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- stdio[2] is 'pipe', so the child has a stderr stream
    child.stderr!.destroy();
  }
}
