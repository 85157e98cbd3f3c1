// slirp4netns for an ordinary user's network namespace: the way out (NAT from
// 10.0.2.100 through 10.0.2.2, DNS at 10.0.2.3) and the way in (host ports it
// listens on and forwards, added and removed through its API socket while it
// runs). It runs detached, recorded in <dir>/slirp4netns.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StowageError, errnoCode, failedPrecondition } from '../errdefs';
import { isAlive, processStart, type ProcessId } from '../util/proc';
import { checkDevice } from './device-access';

/** The address slirp4netns gives the namespace (its default 10.0.2.0/24). */
export const GUEST_ADDR = '10.0.2.100';

export interface HostForward {
  id?: number;
  proto: 'tcp' | 'udp';
  hostAddr: string;
  hostPort: number;
  guestPort: number;
}

export class Slirp {
  readonly socket: string;
  private readonly stateFile: string;
  private readonly logFile: string;

  constructor(
    readonly dir: string,
    readonly netns: string,
  ) {
    this.socket = path.join(dir, 'slirp4netns.sock');
    this.stateFile = path.join(dir, 'slirp4netns.json');
    this.logFile = path.join(dir, 'slirp4netns.log');
  }

  private state(): ProcessId | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as ProcessId;
    } catch {
      // no state file (or a torn one): slirp4netns is not running for this
      return undefined;
    }
  }

  running(): boolean {
    const s = this.state();
    return !!s && isAlive(s);
  }

  /** Starts slirp4netns on the namespace (the caller holds the lock and checked it is not running). */
  async start(): Promise<void> {
    checkDevice('/dev/net/tun', 'rootless networking (slirp4netns)', '; or run the container with --network none');
    this.clear();
    const log = fs.openSync(this.logFile, 'w', 0o600);
    const args = [
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--enable-sandbox',
      '--enable-seccomp',
      `--api-socket=${this.socket}`,
      '--netns-type=path',
      '--ready-fd=3',
      this.netns,
      'tap0',
    ];
    // its sandbox unmounts all it does not need: in a private copy of the mount
    // namespace, or the unmounts would reach the shared netns directory (and the
    // namespace files in it)
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'slirp4netns', ...args], {
      detached: true,
      stdio: ['ignore', log, log, 'pipe'],
    });
    fs.closeSync(log);
    const ready = child.stdio[3] as NodeJS.ReadableStream;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new StowageError('internal', 'slirp4netns did not get ready in 10s')),
          10_000,
        );
        const fail = (why: string) => {
          clearTimeout(timer);
          reject(new StowageError('internal', `slirp4netns failed: ${why}${this.logTail()}`));
        };
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(
            errnoCode(e) === 'ENOENT'
              ? failedPrecondition(
                  'slirp4netns not found: rootless networking needs it. As root: apt-get install slirp4netns',
                )
              : e,
          );
        });
        child.once('exit', (code, sig) => fail(sig ? `killed by ${sig}` : `exit status ${code}`));
        ready.once('data', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } catch (e) {
      child.kill('SIGKILL');
      this.clear();
      throw e;
    }
    child.removeAllListeners('exit');
    (ready as unknown as net.Socket).destroy();
    child.unref();
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- slirp answered on its socket, so it was spawned and has a pid
    const start = processStart(child.pid!);
    fs.writeFileSync(this.stateFile, JSON.stringify({ pid: child.pid, start }), { mode: 0o600 });
  }

  /** Stops it (its forwards go with it); idempotent. */
  async stop(): Promise<void> {
    const s = this.state();
    if (s && isAlive(s)) {
      try {
        process.kill(s.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 200 && isAlive(s); i++) await new Promise((r) => setTimeout(r, 10));
      if (isAlive(s)) process.kill(s.pid, 'SIGKILL');
    }
    this.clear();
  }

  private clear(): void {
    for (const f of [this.stateFile, this.socket, this.logFile]) fs.rmSync(f, { force: true });
  }

  private logTail(): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8').trim();
      return text ? `: ${text.split('\n').slice(-3).join('; ')}` : '';
    } catch {
      // no log file: nothing to add to the message
      return '';
    }
  }

  /** One API request ({"execute": ..., "arguments": ...}); resolves with its "return". */
  private api(execute: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.socket);
      let body = '';
      sock.on('connect', () => sock.end(JSON.stringify(args ? { execute, arguments: args } : { execute })));
      sock.on('data', (d: Buffer) => (body += d.toString()));
      sock.on('error', reject);
      sock.on('close', () => {
        try {
          const r = JSON.parse(body) as { return?: Record<string, unknown>; error?: { desc?: string } };
          if (r.error) reject(new StowageError('internal', r.error.desc ?? JSON.stringify(r.error)));
          else resolve(r.return ?? {});
        } catch {
          // a reply that is no JSON: the raw bytes go into the error
          reject(new StowageError('internal', `slirp4netns answered ${JSON.stringify(body.slice(0, 200))}`));
        }
      });
    });
  }

  async addForward(f: HostForward): Promise<number> {
    const r = await this.api('add_hostfwd', {
      proto: f.proto,
      host_addr: f.hostAddr,
      host_port: f.hostPort,
      guest_addr: GUEST_ADDR,
      guest_port: f.guestPort,
    });
    return Number(r.id);
  }

  async forwards(): Promise<HostForward[]> {
    const r = await this.api('list_hostfwd');
    const entries = (r.entries ?? []) as Array<{
      id: number;
      proto: 'tcp' | 'udp';
      host_addr: string;
      host_port: number;
      guest_port: number;
    }>;
    return entries.map((e) => ({
      id: e.id,
      proto: e.proto,
      hostAddr: e.host_addr,
      hostPort: e.host_port,
      guestPort: e.guest_port,
    }));
  }

  async removeForward(id: number): Promise<void> {
    await this.api('remove_hostfwd', { id });
  }
}
