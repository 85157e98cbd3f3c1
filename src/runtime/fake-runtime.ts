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
    { status: ContainerStatus; pid: number; bundle: string; exit?: number }
  >();
  private nextPid = 1000;
  /** Every call, in order ("kill abc SIGKILL"), for tests that check what a service asked for. */
  readonly calls: string[] = [];

  async create(id: string, _name: string, paths: ContainerPaths, _opts: CreateOptions) {
    this.calls.push(`create ${id}`);
    if (this.containers.has(id)) throw conflict(`container with id exists: ${id}`);
    const pid = this.nextPid++;
    this.containers.set(id, { status: 'created', pid, bundle: paths.bundle });
    return { pid, conmonPid: this.nextPid++ };
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

  private readonly exits = new Map<string, number | undefined>();

  exitCode(_paths: ContainerPaths, id: string): number | undefined {
    return this.containers.get(id)?.exit ?? this.exits.get(id);
  }
}
