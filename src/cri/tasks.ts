// Where the CRI keeps its files, and its pods' processes under conmon and runc
// (the drivers of src/runtime, as the Docker-style containers use them):
//
//   <root>/cri/sandboxes/<id>/   hostname, hosts, resolv.conf, shm/ (a tmpfs)
//   <root>/cri/containers/<id>/  diff/, work/, merged/ (the overlay root)
//   <root>/cri/pause-root/       the root of pause processes run without an image
//   <runroot>/cri/b/<id[:12]>/   conmon's bundle: config.json, attach socket, ctl FIFO
//   <runroot>/cri/exits/<id>     exit codes, written by conmon
//   <runroot>/cri/runc/          runc's state
import { isKind } from '../errdefs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootfsPaths, type RootfsPaths } from '../container/rootfs';
import { conmonCreate, containerPaths, readExitCode, type ContainerPaths } from '../runtime/conmon';
import {
  runcDelete,
  runcGlobalArgs,
  runcKill,
  runcStart,
  runcState,
  runcUpdate,
  runtimeError,
  type RuntimeConfig,
} from '../runtime/runc';
import { specJson, type OciSpec } from '../runtime/spec';
import { isAlive } from '../util/proc';

export class CriLayout {
  readonly dir: string;
  readonly runDir: string;
  constructor(
    readonly root: string,
    readonly runroot: string,
  ) {
    this.dir = path.join(root, 'cri');
    this.runDir = path.join(runroot, 'cri');
  }

  sandboxDir(id: string): string {
    return path.join(this.dir, 'sandboxes', id);
  }

  containerRootfs(id: string): RootfsPaths {
    return rootfsPaths(path.join(this.dir, 'containers', id));
  }

  get pauseRoot(): string {
    return path.join(this.dir, 'pause-root');
  }

  get exitDir(): string {
    return path.join(this.runDir, 'exits');
  }

  /** conmon's files of a task; a short bundle path keeps the attach socket under 108 bytes. */
  paths(id: string, logPath?: string): ContainerPaths {
    const bundle = path.join(this.runDir, 'b', id.slice(0, 12));
    return containerPaths(bundle, { exitDir: this.exitDir, logPath: logPath || path.join(bundle, 'output.log') });
  }
}

/** Whether a process's monitor still lives: it records the exit code once the process is gone. */
export const monitored = (s: { conmonPid?: number; conmonStart?: string }): boolean =>
  !!s.conmonPid && isAlive({ pid: s.conmonPid, start: s.conmonStart ?? '' });

export interface TaskOptions {
  terminal: boolean;
  stdin: boolean;
  /** the container's stdin closes when the first attached client closes it */
  stdinOnce: boolean;
  /** the CRI log file ('' = kept in the bundle only) */
  logPath: string;
}

/** A pod's process (its pause process or a container) under conmon, driven through runc. */
export class Tasks {
  readonly rt: RuntimeConfig;
  constructor(
    readonly layout: CriLayout,
    runtimePath: string,
  ) {
    this.rt = { runtimePath, runtimeRoot: path.join(layout.runDir, 'runc') };
  }

  /** Writes the bundle and has conmon run `runc create`; resolves with the process's pid. */
  async create(
    id: string,
    name: string,
    spec: OciSpec,
    opts: TaskOptions,
  ): Promise<{ pid: number; conmonPid: number }> {
    const paths = this.layout.paths(id, opts.logPath);
    fs.rmSync(paths.bundle, { recursive: true, force: true });
    fs.mkdirSync(paths.bundle, { recursive: true, mode: 0o700 });
    if (opts.logPath) fs.mkdirSync(path.dirname(opts.logPath), { recursive: true });
    fs.writeFileSync(path.join(paths.bundle, 'config.json'), specJson(spec));
    return conmonCreate(this.rt, id, name, paths, {
      terminal: opts.terminal,
      stdin: opts.stdin,
      leaveStdinOpen: opts.stdin && !opts.stdinOnce,
    });
  }

  /**
   * Creates and starts a process that needs no monitor (a pod's pause process):
   * one `runc run --detach`, no conmon; nobody waits for its exit code, its
   * liveness is all that matters. Resolves with its pid.
   */
  async runDetached(id: string, spec: OciSpec): Promise<number> {
    const paths = this.layout.paths(id);
    fs.rmSync(paths.bundle, { recursive: true, force: true });
    fs.mkdirSync(paths.bundle, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(paths.bundle, 'config.json'), specJson(spec));
    // the process inherits runc's stdio: /dev/null, and runc's errors go to its log file
    // (a pipe would stay open as long as the process lives)
    const log = path.join(paths.bundle, 'runc.log');
    const args = [
      ...runcGlobalArgs(this.rt),
      '--log',
      log,
      'run',
      '--detach',
      '--bundle',
      paths.bundle,
      '--pid-file',
      paths.pidFile,
      id,
    ];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(this.rt.runtimePath, args, { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 0)));
    });
    if (code !== 0) {
      await runcDelete(this.rt, id, true).catch(() => undefined);
      throw runtimeError('create', fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : `runc run exited ${code}`, id);
    }
    return Number.parseInt(fs.readFileSync(paths.pidFile, 'utf8'), 10);
  }

  start(id: string): Promise<void> {
    return runcStart(this.rt, id);
  }

  /** Signals the process (`all`: every process of its cgroup). A process that is gone is no error. */
  async kill(id: string, signal: string, all = false): Promise<void> {
    await runcKill(this.rt, id, signal, all).catch((e: unknown) => {
      if (!isKind(e, 'conflict') && !isKind(e, 'not-found')) throw e;
    });
  }

  /** The exit code conmon recorded; undefined while it runs. */
  exitCode(id: string): number | undefined {
    return readExitCode(this.layout.paths(id), id);
  }

  /** When conmon wrote the exit code (ms since the epoch). */
  exitTime(id: string): number | undefined {
    try {
      return fs.statSync(path.join(this.layout.exitDir, id)).mtimeMs;
    } catch {
      // no exit file: conmon has not recorded an exit (yet)
      return undefined;
    }
  }

  async running(id: string): Promise<boolean> {
    const st = await runcState(this.rt, id).catch(() => undefined);
    return st?.status === 'running';
  }

  async update(id: string, resources: object): Promise<void> {
    const file = path.join(this.layout.paths(id).bundle, 'update.json');
    fs.writeFileSync(file, JSON.stringify(resources));
    try {
      await runcUpdate(this.rt, id, file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** delete() without asking runc about a process it no longer knows (its state is gone). */
  async forget(id: string): Promise<void> {
    if (fs.existsSync(path.join(this.rt.runtimeRoot, id))) return this.delete(id);
    fs.rmSync(path.join(this.layout.exitDir, id), { force: true });
    fs.rmSync(this.layout.paths(id).bundle, { recursive: true, force: true });
  }

  /** Forgets the task: runc's state, the exit file, the bundle. Idempotent. */
  async delete(id: string): Promise<void> {
    await runcDelete(this.rt, id, true).catch(() => undefined);
    fs.rmSync(path.join(this.layout.exitDir, id), { force: true });
    fs.rmSync(this.layout.paths(id).bundle, { recursive: true, force: true });
  }
}
