// Exec sessions of the Engine API: created, then started (attached, or
// detached), inspected and resized by ID, as Docker's daemon keeps them. They
// live in the service's memory; a finished one is forgotten after a while.
import { randomBytes } from 'node:crypto';
import { CommandNotFoundError, invalidArgument, notFound } from '../errdefs';
import type { AttachIO } from '../util/attach-io';
import type { Container } from '../container/store';
import { conmonExecAttached, runcExec, type AttachedExec, type OciProcess } from '../runtime/exec';
import type { ContainerService } from './containers';
import { checkExecutable, execProcess, type ExecRequest } from './exec-process';

export interface ExecConfig extends ExecRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
}

interface Session {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  attached?: AttachedExec;
  /** a size asked for before the start (the docker CLI resizes first) */
  size?: [number, number];
}

/** How long a finished session stays readable (docker's exec inspect after the exit). */
const KEEP_MS = 300_000;

export class ExecService {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly containers: ContainerService) {}

  create(containerIdOrName: string, config: ExecConfig): string {
    const c = this.containers.find(containerIdOrName);
    checkExecutable(c, containerIdOrName);
    if (!config.cmd.length) throw invalidArgument('No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, { id, containerId: c.record.id, config, running: false, exitCode: null, pid: 0 });
    this.containers.emit(c, `exec_create: ${config.cmd.join(' ')}`, { execID: id });
    return id;
  }

  get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw notFound(`No such exec instance: ${id}`);
    return s;
  }

  /** Docker's ExecInspect. */
  inspect(id: string): Record<string, unknown> {
    const s = this.get(id);
    const c = s.config;
    return {
      ID: s.id,
      Running: s.running,
      ExitCode: s.exitCode,
      CanRemove: !s.running && s.exitCode !== null,
      ContainerID: s.containerId,
      DetachKeys: c.detachKeys ?? '',
      OpenStdin: c.stdin,
      OpenStderr: c.stderr,
      OpenStdout: c.stdout,
      Pid: s.pid,
      ProcessConfig: {
        tty: c.tty,
        entrypoint: c.cmd[0],
        arguments: c.cmd.slice(1),
        privileged: !!c.privileged,
        user: c.user ?? '',
      },
    };
  }

  resize(id: string, rows: number, cols: number): void {
    const s = this.get(id);
    if (s.attached) s.attached.resize(rows, cols);
    else s.size = [rows, cols];
  }

  /**
   * Runs the session: attached to `io` until the process exits (resolves with
   * its code), or detached (resolves once it started). A process that cannot
   * start writes why to `io.stdout` and ends 126 (127 when not found), as Docker.
   */
  async start(id: string, io: (AttachIO & { stdinOpen?: boolean }) | 'detach'): Promise<number> {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw invalidArgument(`Error: Exec command ${id} has already run`);
    const c = this.containers.find(s.containerId);
    checkExecutable(c, s.containerId);
    const rt = this.containers.runtime(c.record.hostConfig.Runtime || undefined);
    s.running = true;
    this.containers.emit(c, `exec_start: ${s.config.cmd.join(' ')}`, { execID: id });
    try {
      const proc = execProcess(this.containers, c, s.config);
      if (s.size) proc.consoleSize = { height: s.size[0], width: s.size[1] };
      if (io === 'detach') {
        s.exitCode = await runcExec(rt, c.record.id, proc, { detach: true, onSpawn: (pid) => (s.pid = pid) });
      } else if (proc.terminal) {
        const sizeAtStart = s.size;
        s.attached = await conmonExecAttached(rt, c.record.id, proc, io, { stdin: s.config.stdin });
        s.pid = s.attached.pid;
        // a resize that came while the session was being set up
        if (s.size && s.size !== sizeAtStart) s.attached.resize(s.size[0], s.size[1]);
        s.exitCode = await s.attached.exited;
        await s.attached.attachment.done.catch(() => undefined);
      } else {
        s.exitCode = await runcExec(rt, c.record.id, proc, {
          stdio: [io.stdin ?? 'ignore', io.stdout, io.stderr],
          onSpawn: (pid) => (s.pid = pid),
        });
      }
    } catch (err) {
      // as Docker's engine: why it could not start, on the exec's output; 127 not found, else 126
      if (io !== 'detach') io.stdout.write(`${(err as Error).message}\r\n`);
      s.exitCode = err instanceof CommandNotFoundError ? 127 : 126;
    }
    s.running = false;
    if (io !== 'detach') this.containers.emit(c, 'exec_die', { execID: id, exitCode: String(s.exitCode) });
    setTimeout(() => this.sessions.delete(id), KEEP_MS).unref();
    return s.exitCode ?? 0;
  }

  /**
   * The CLI's exec: runs at once with this process's stdio (runc relays it, or
   * its own pty with a terminal), or detached; resolves with the exit code.
   */
  async runHere(c: Container, proc: OciProcess, opts: { detach: boolean; interactive: boolean }): Promise<number> {
    const rt = this.containers.runtime(c.record.hostConfig.Runtime || undefined);
    return runcExec(rt, c.record.id, proc, {
      detach: opts.detach,
      stdio: [opts.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    });
  }

  /** Forgets a removed container's sessions. */
  forget(containerId: string): void {
    for (const [id, s] of this.sessions) if (s.containerId === containerId) this.sessions.delete(id);
  }
}
