// The resolver processes of a store's user-defined networks, seen from the
// commands that start and stop them: one detached `stowage system dns NETWORK-ID`
// per network (dns-server.ts), with its pid file at <runroot>/network/dns/<id>.pid
// ("PID START", written once its sockets are bound). The port is the lock: of two
// resolvers racing for a network, the second finds the gateway's port 53 bound and
// exits quietly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, type ProcessId } from '../util/proc';
import { CLI_PATH, REPO_ROOT } from '../util/paths';
import type { NetworkConfig } from './types';

export const resolverDir = (runroot: string) => path.join(runroot, 'network', 'dns');
export const resolverPidFile = (runroot: string, networkId: string) =>
  path.join(resolverDir(runroot), `${networkId}.pid`);

/** Networks that get a resolver: user-defined bridge networks (Docker resolves no names on the default bridge). */
export function hasResolver(net: NetworkConfig): boolean {
  return net.driver === 'bridge' && net.name !== 'bridge' && !!net.gateway;
}

/** The live resolver of a network, from its pid file. */
export function resolverOf(runroot: string, networkId: string): ProcessId | undefined {
  let text: string;
  try {
    text = fs.readFileSync(resolverPidFile(runroot, networkId), 'utf8');
  } catch {
    return undefined; // no pid file: no resolver
  }
  const [pid, start] = text.trim().split(' ');
  const p = { pid: Number(pid), start: start ?? '' };
  return p.pid > 0 && isAlive(p) ? p : undefined;
}

/** Every live resolver of this run root, by network ID. */
export function runningResolvers(runroot: string): Array<{ networkId: string } & ProcessId> {
  let files: string[];
  try {
    files = fs.readdirSync(resolverDir(runroot));
  } catch {
    return []; // no directory: none was ever started
  }
  return files
    .filter((f) => f.endsWith('.pid'))
    .flatMap((f) => {
      const networkId = f.slice(0, -'.pid'.length);
      const p = resolverOf(runroot, networkId);
      return p ? [{ networkId, ...p }] : [];
    });
}

/** How to run a resolver: dist/stowage-dns.js (its own small bundle) when built, else the CLI's `system dns`. */
export function resolverCommand(): string[] {
  const bundle = fs.statSync(path.join(REPO_ROOT, 'dist', 'stowage-dns.js'), { throwIfNoEntry: false });
  const plain = fs.statSync(path.join(REPO_ROOT, 'dist', 'src', 'network', 'dns-main.js'), { throwIfNoEntry: false });
  // as bin/stowage: the bundle only when it is at least as new as the plain build
  return bundle && bundle.mtimeMs >= (plain?.mtimeMs ?? -1)
    ? [process.execPath, path.join(REPO_ROOT, 'dist', 'stowage-dns.js')]
    : [process.execPath, '--', CLI_PATH];
}

export interface ResolverStart {
  root: string;
  runroot: string;
  /** argv that runs stowage's CLI (node, script) */
  command: readonly string[];
}

/**
 * Starts the network's resolver unless one serves it, and waits until it listens
 * (a container started next must resolve at once). The resolver writes "ready" or
 * "busy" (another holds the port) on its stdout, then nothing more.
 */
export async function ensureResolver(opts: ResolverStart, net: NetworkConfig): Promise<void> {
  if (!hasResolver(net) || resolverOf(opts.runroot, net.id)) return;
  const [exe, ...args] = opts.command;
  const child = spawn(exe, [...args, '--root', opts.root, '--runroot', opts.runroot, 'system', 'dns', net.id], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const said = await new Promise<string>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve('timeout'), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.trim());
      }
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve('error');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out.trim() || 'exit');
    });
  });
  child.stdout.destroy();
  child.unref();
  if (said === 'busy') {
    // another resolver of this network (started at the same moment) is binding: give it its moment
    for (let i = 0; i < 40 && !resolverOf(opts.runroot, net.id); i++) await sleep(50);
  }
}

/** Stops a network's resolver and waits until it is gone (`network rm`, `network prune`). */
export async function stopResolver(runroot: string, networkId: string): Promise<void> {
  const p = resolverOf(runroot, networkId);
  if (p) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // it exited between the check and the signal: nothing to stop
    }
    for (let i = 0; i < 100 && isAlive(p); i++) await sleep(20);
    if (isAlive(p)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  fs.rmSync(resolverPidFile(runroot, networkId), { force: true });
}

/** Stops every resolver of the run root (`system reset`, tests' teardown). */
export async function stopAllResolvers(runroot: string): Promise<void> {
  for (const r of runningResolvers(runroot)) await stopResolver(runroot, r.networkId);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
