// What the services need of an OCI runtime: a container's life under its
// monitor, from create to delete. RuncRuntime drives conmon and runc (conmon.ts,
// runc.ts); FakeRuntime (fake-runtime.ts) keeps the states in memory.
import fs from 'node:fs';
import path from 'node:path';
import { conmonCreate, readExitCode, type ContainerPaths, type CreateOptions } from './conmon';
import {
  runcDelete,
  runcKill,
  runcPause,
  runcResume,
  runcStart,
  runcState,
  runcUpdate,
  type RuncState,
  type RuntimeConfig,
} from './runc';

export interface Runtime {
  /** Creates the container of `paths.bundle` under its monitor: "created", its command not yet run. */
  create(
    id: string,
    name: string,
    paths: ContainerPaths,
    opts: CreateOptions,
  ): Promise<{ pid: number; conmonPid: number }>;
  /** Runs a created container's command: "running". */
  start(id: string): Promise<void>;
  /** undefined for a container the runtime does not know (never made, or deleted). */
  state(id: string): Promise<RuncState | undefined>;
  /** A signal to the container's process (`all`: every process); `conflict` once it stopped, `not-found` if unknown. */
  kill(id: string, signal: string | number, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** New cgroup limits (a JSON LinuxResources file). */
  update(id: string, resourcesFile: string): Promise<void>;
  /** Forgets a stopped container (`force`: a running one too, killed); an unknown one is no error. */
  delete(id: string, force?: boolean): Promise<void>;
  /** The exit code the monitor recorded, once the container has exited. */
  exitCode(paths: ContainerPaths, id: string): number | undefined;
}

export class RuncRuntime implements Runtime {
  constructor(readonly config: RuntimeConfig) {}

  create(id: string, name: string, paths: ContainerPaths, opts: CreateOptions) {
    return conmonCreate(this.config, id, name, paths, opts);
  }

  start(id: string): Promise<void> {
    return runcStart(this.config, id);
  }

  state(id: string): Promise<RuncState | undefined> {
    return runcState(this.config, id);
  }

  kill(id: string, signal: string | number, all = false): Promise<void> {
    return runcKill(this.config, id, signal, all);
  }

  pause(id: string): Promise<void> {
    return runcPause(this.config, id);
  }

  resume(id: string): Promise<void> {
    return runcResume(this.config, id);
  }

  update(id: string, resourcesFile: string): Promise<void> {
    return runcUpdate(this.config, id, resourcesFile);
  }

  async delete(id: string, force = false): Promise<void> {
    // runc keeps <root>/<id>/state.json while it knows a container: no need to ask it otherwise
    if (fs.existsSync(path.join(this.config.runtimeRoot, id))) await runcDelete(this.config, id, force);
  }

  exitCode(paths: ContainerPaths, id: string): number | undefined {
    return readExitCode(paths, id);
  }
}
