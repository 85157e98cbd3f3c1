// The read side of containers: finding one by name or ID prefix, listing them,
// making a "running" record tell the truth (conmon's exit file, the processes'
// liveness), where a container's files are, its log. What `ps`, `inspect`, `logs`
// and `port` need, without the code that creates, starts or networks containers
// (containers.ts): those commands load only this (issue 17). The one write a read
// may need, recording an exit nobody recorded (and releasing what the container
// held), is the service's: `recordExit`, which the engine loads on first use.
import fs from 'node:fs';
import path from 'node:path';
import { shortId } from '../digest';
import type { Container, ContainerRecords } from '../container/records';
import { ContainerStore } from '../container/store';
import { rootfsPaths, type RootfsPaths } from '../container/rootfs-paths';
import type { ContainerRecord, ContainerState } from '../container/types';
import { isNoRestart, nextRestart } from '../container/restart-policy';
import { nowGoTime } from '../image/config-json';
import { containerPaths, readExitCode, type ContainerPaths } from '../runtime/conmon-files';
import { readLogs, type LogRecord, type ReadLogsOptions } from '../runtime/logs';
import type { RuntimeConfig } from '../runtime/runc';
import { processStart, type ProcessId } from '../util/proc';
import type { Store } from './store';

/** A process's start time (clock ticks since boot), undefined once it is gone: with its pid, who it is. */
export interface Processes {
  start(pid: number): string | undefined;
}

/** What the read side works with: the store's records and directories, processes' liveness, exit files. */
export interface ContainerReadParts {
  /** The store's root (containers' files) and run root (bundles, exit files, runc's state). */
  readonly root: string;
  readonly runroot: string;
  readonly records: ContainerRecords;
  readonly processes: Processes;
  /** The exit code the container's monitor recorded, once it has exited. */
  exitCode(paths: ContainerPaths, id: string): number | undefined;
}

/** Records an exit found by a read (code and error) and releases what the container held; returns it updated. */
export type RecordExit = (c: Container, exitCode: number, error?: string) => Container;

/** A container's own directory in the store: its writable layer, /etc files, log. */
export const containerDirOf = (root: string, id: string) => path.join(root, 'containers', id);

/** The OCI runtime's settings for this store's containers: runc keeps its state under the run root. */
export function runtimeConfig(runroot: string, runtimePath: string, tmpDir: (prefix: string) => string): RuntimeConfig {
  return { runtimePath, runtimeRoot: path.join(runroot, 'runc'), scratchDir: tmpDir };
}

/** The read parts of a store: its container records, conmon's exit files, /proc. */
export function storeReadParts(store: Store): ContainerReadParts {
  return {
    root: store.root,
    runroot: store.runroot,
    records: new ContainerStore(store.db),
    processes: { start: processStart },
    exitCode: readExitCode,
  };
}

/** What the restart policy makes of a container that has just exited (`state`). */
export function restartPlan(record: ContainerRecord, state: ContainerState): { delayMs: number } | undefined {
  return nextRestart(record.hostConfig.RestartPolicy, {
    exitCode: state.ExitCode,
    manuallyStopped: !!state.ManuallyStopped,
    restartCount: state.RestartCount ?? 0,
    ranMs: Date.parse(state.FinishedAt) - Date.parse(state.StartedAt),
    lastDelayMs: state.RestartDelayMs ?? 0,
  });
}

export class ContainerReads {
  readonly records: ContainerRecords;

  constructor(
    private readonly parts: ContainerReadParts,
    private readonly recordExit: RecordExit,
  ) {
    this.records = parts.records;
  }

  // ---- paths ----

  containerDir(id: string): string {
    return containerDirOf(this.parts.root, id);
  }

  rootfs(id: string): RootfsPaths {
    return rootfsPaths(this.containerDir(id));
  }

  /** conmon's files: a short bundle path keeps the attach socket under 108 bytes. */
  paths(id: string): ContainerPaths {
    return containerPaths(path.join(this.parts.runroot, 'c', shortId(id)), {
      exitDir: path.join(this.parts.runroot, 'exits'),
      logPath: path.join(this.containerDir(id), 'ctr.log'),
    });
  }

  /** The exit code conmon recorded for the container, once it has exited. */
  exitCode(id: string): number | undefined {
    return this.parts.exitCode(this.paths(id), id);
  }

  // ---- lookups ----

  find(idOrName: string): Container {
    return this.refresh(this.records.find(idOrName));
  }

  list(): Container[] {
    return this.records.list().map((c) => this.refresh(c));
  }

  /** Whether the container is still up (its record checked against conmon and the process): log follows stop when not. */
  isRunning(id: string): boolean {
    const cur = this.records.get(id);
    return !!cur && ['running', 'paused'].includes(this.refresh(cur).state.Status);
  }

  /** Whether the process is still the one recorded (pid and start time: PID reuse is no match). */
  alive(p: ProcessId): boolean {
    return this.parts.processes.start(p.pid) === p.start;
  }

  /**
   * Makes a "running" record tell the truth: the container exited (conmon wrote
   * its code), or conmon was killed and the container is gone too.
   */
  refresh(c: Container): Container {
    if (c.state.Status === 'restarting') {
      // the process waiting to restart it is gone (killed): nobody will
      const waiting =
        !!c.state.RestarterPid && this.alive({ pid: c.state.RestarterPid, start: c.state.RestarterStart ?? '' });
      return waiting
        ? c
        : {
            record: c.record,
            state: this.records.updateState(c.record.id, (s) =>
              s.Status === 'restarting' ? { ...s, Status: 'exited' } : s,
            ),
          };
    }
    if (c.state.Status !== 'running' && c.state.Status !== 'paused') return c;
    const code = this.exitCode(c.record.id);
    if (code !== undefined) {
      // with a restart policy, conmon's exit command records the exit and restarts it;
      // until then it shows as exited (releasing it here would race with the restart)
      if (!isNoRestart(c.record.hostConfig.RestartPolicy)) {
        const exited = { ...c.state, Status: 'exited' as const, Pid: 0, ExitCode: code, FinishedAt: nowGoTime() };
        return {
          record: c.record,
          state: restartPlan(c.record, exited) ? { ...exited, Status: 'restarting' } : exited,
        };
      }
      return this.recordExit(c, code);
    }
    const conmonAlive = !!c.state.ConmonPid && this.alive({ pid: c.state.ConmonPid, start: c.state.ConmonStart ?? '' });
    const pidAlive = c.state.Pid > 0 && this.alive({ pid: c.state.Pid, start: c.state.PidStart ?? '' });
    if (!conmonAlive && !pidAlive) return this.recordExit(c, 255, 'container monitor died before the container exited');
    return c;
  }

  // ---- what it wrote, what it holds ----

  /** What the container wrote, from its log; `follow` goes on until it stops (or `until` says). */
  logs(
    idOrName: string,
    opts: Omit<ReadLogsOptions, 'isRunning'> & { stillWanted?: () => boolean } = {},
  ): AsyncIterable<LogRecord> {
    const c = this.find(idOrName);
    const id = c.record.id;
    const wanted = opts.stillWanted ?? (() => true);
    return readLogs(this.paths(id).logPath, { ...opts, isRunning: () => wanted() && this.isRunning(id) });
  }

  /** Bytes in the container's writable layer (Docker's SizeRw). */
  upperSize(id: string): number {
    const upper = this.rootfs(id).upper;
    if (!fs.existsSync(upper)) return 0;
    // the layer code is loaded for `--size` only
    const { diffSize } = require('../layer/apply') as typeof import('../layer/apply'); // eslint-disable-line @typescript-eslint/no-require-imports
    return diffSize(upper);
  }
}
