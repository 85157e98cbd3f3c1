// An OCI runtime in memory, for services tested without runc, conmon or root
// (see runtime-contract.ts, which holds it to RuncRuntime's behaviour): states
// change at once, a terminating signal stops the container with 128 + its number.
import os from 'node:os';
import { conflict, notFound } from '../errdefs';
import type { ContainerPaths, CreateOptions } from './conmon';
import type { ContainerStatus, RuncState } from './runc';
import type { Runtime } from './runtime';

const signalNumber = (signal: string | number): number => {
  const s = String(signal).trim().toUpperCase();
  if (/^\d+$/.test(s)) return Number(s);
  return (os.constants.signals as Record<string, number>)[s.startsWith('SIG') ? s : `SIG${s}`] ?? 0;
};

/** Signals a process with no handler of its own ignores as PID 1 (the kernel's rule): all but KILL and STOP. */
const ENDS_PID1 = new Set([9]);

export class FakeRuntime implements Runtime {
  private readonly containers = new Map<
    string,
    { status: ContainerStatus; pid: number; conmonPid: number; bundle: string; exit?: number }
  >();
  /** Exit codes of deleted containers (conmon's exit files outlive runc's state). */
  private readonly exits = new Map<string, number | undefined>();
  private nextPid = 1000;
  /** Every call, in order ("kill abc SIGKILL"), for tests that check what a service asked for. */
  readonly calls: string[] = [];

  async create(id: string, _name: string, paths: ContainerPaths, _opts: CreateOptions) {
    this.calls.push(`create ${id}`);
    if (this.containers.has(id)) throw conflict(`container with id exists: ${id}`);
    const pid = this.nextPid++;
    const conmonPid = this.nextPid++;
    this.exits.delete(id); // a new run: the last one's exit code is gone, as conmon's exit files are
    this.containers.set(id, { status: 'created', pid, conmonPid, bundle: paths.bundle });
    return { pid, conmonPid };
  }

  /** The container's process ends by itself with `code` (its command returned, or it handled a signal). */
  exit(id: string, code: number): void {
    const c = this.known(id);
    c.status = 'stopped';
    c.exit = code;
  }

  /** The exit code can no longer be read: the release after a recorded exit takes conmon's exit file. */
  forgetExit(id: string): void {
    const c = this.containers.get(id);
    if (c) c.exit = undefined;
    this.exits.delete(id);
  }

  /** Whether a pid this runtime gave out is alive: a container's process or its monitor, until it stops. */
  isLive(pid: number): boolean {
    return [...this.containers.values()].some((c) => c.status !== 'stopped' && (c.pid === pid || c.conmonPid === pid));
  }

  private known(id: string) {
    const c = this.containers.get(id);
    if (!c) throw notFound(`No such container: ${id}`);
    return c;
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.known(id);
    if (c.status !== 'created') throw conflict(`Container ${id} is not running`);
    c.status = 'running';
  }

  async state(id: string): Promise<RuncState | undefined> {
    const c = this.containers.get(id);
    return c && { status: c.status, pid: c.status === 'stopped' ? 0 : c.pid, bundle: c.bundle };
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    this.calls.push(`kill ${id} ${signal}${all ? ' --all' : ''}`);
    const c = this.known(id);
    if (c.status === 'stopped') throw conflict(`Container ${id} is not running`);
    const n = signalNumber(signal);
    if (ENDS_PID1.has(n)) {
      c.status = 'stopped';
      c.exit = 128 + n;
    }
  }

  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
    const c = this.known(id);
    if (c.status !== 'running') throw conflict(`Container ${id} is not running`);
    c.status = 'paused';
  }

  async resume(id: string): Promise<void> {
    this.calls.push(`resume ${id}`);
    const c = this.known(id);
    if (c.status !== 'paused') throw conflict(`Container ${id} is not paused`);
    c.status = 'running';
  }

  async update(id: string, _resourcesFile: string): Promise<void> {
    this.calls.push(`update ${id}`);
    const c = this.known(id);
    if (c.status === 'stopped') throw conflict(`Container ${id} is not running`);
  }

  async delete(id: string, force = false): Promise<void> {
    this.calls.push(`delete ${id}${force ? ' --force' : ''}`);
    const c = this.containers.get(id);
    if (!c) return;
    if (!force && c.status !== 'stopped' && c.status !== 'created')
      throw conflict(`cannot delete container ${id} that is not stopped: ${c.status}`);
    if (c.exit === undefined && c.status !== 'created') c.exit = 137;
    this.containers.delete(id);
    this.exits.set(id, c.exit);
  }

  exitCode(_paths: ContainerPaths, id: string): number | undefined {
    return this.containers.get(id)?.exit ?? this.exits.get(id);
  }
}
