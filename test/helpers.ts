// Shared test kit: a temporary store per test, the CLI run as a user runs it,
// and the busybox base image every container test starts from.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { capture, type Captured } from '../src/util/capture';
import { freeSlotPort, testSlot } from '../src/network/test-slot';

// This test process's own address pool, bridge names and iptables chains, in the
// environment every CLI run inherits: test runs on one host never share them.
testSlot();

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'stowage');
/** What `stowage` on PATH is: the native front end, which runs CLI for all but plain `exec`. */
export const FRONT_END = path.join(REPO, 'build', 'Release', 'stowage');
export const FIXTURES = [
  path.resolve(REPO, '..', 'shared', 'fixtures', 'archives'),
  path.join(REPO, 'test', 'fixtures', 'archives'),
].find((p) => fs.existsSync(path.join(p, 'expected.json')));

export type Result = Captured;

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export class TestEnv {
  readonly dir: string;
  readonly root: string;
  readonly runroot: string;

  constructor(prefix = 'stowage-test-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.root = path.join(this.dir, 'root');
    this.runroot = path.join(this.dir, 'run');
  }

  get env(): Record<string, string> {
    return { ...(process.env as Record<string, string>), STOWAGE_ROOT: this.root, STOWAGE_RUNROOT: this.runroot };
  }

  run(args: string[], opts: RunOptions = {}): Promise<Result> {
    return capture(FRONT_END, args, {
      env: { ...this.env, ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  }

  /** Runs and fails the test unless the exit status is 0; returns stdout. */
  async ok(args: string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0)
      throw new Error(`stowage ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** Imports the busybox-static base image under `tag`. */
  async baseImage(tag = 'busybox:latest'): Promise<string> {
    const tarball = baseTarball();
    const out = await this.ok([
      'import',
      '-m',
      'busybox-static base image',
      '-c',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '-c',
      'CMD ["sh"]',
      tarball,
      tag,
    ]);
    return out.trim();
  }

  cleanup(): void {
    // everything the store made outside its directories (bridges, rules) goes too
    if (fs.existsSync(this.root))
      spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: this.env, stdio: 'ignore', timeout: 120_000 });
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
      const target = line.split(' ')[4];
      if (target?.startsWith(this.dir)) spawnSync('umount', ['-l', target], { stdio: 'ignore' });
    }
    // a container monitor may still be finishing its cleanup: retry a moment
    fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/**
 * A TCP port nothing holds on any address just now, from this process's test slot
 * (a block no other run and no random host port uses): never one another run publishes.
 */
export function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return freeSlotPort(kind);
}

let cachedTarball: string | undefined;

/** The base image's rootfs tarball, built once per test process by scripts/base-image.sh. */
export function baseTarball(): string {
  if (cachedTarball && fs.existsSync(cachedTarball)) return cachedTarball;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-base-'));
  // gone with this process (each test file is one): 2 MB left in TMPDIR by every test process otherwise
  process.on('exit', () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // (best effort at exit: a leftover directory is all it costs)
    }
  });
  const file = path.join(dir, 'rootfs.tar');
  const r = spawnSync(path.join(REPO, 'scripts', 'base-image.sh'), ['base:build'], {
    env: {
      ...process.env,
      BASE_TARBALL: file,
      STOWAGE_ROOT: path.join(dir, 'root'),
      STOWAGE_RUNROOT: path.join(dir, 'run'),
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`base-image.sh failed: ${r.stderr}`);
  fs.rmSync(path.join(dir, 'root'), { recursive: true, force: true });
  cachedTarball = file;
  return file;
}

/** Files and directories directly under a path, for "nothing was left behind" checks. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

export function sha256File(file: string): string {
  return `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

export const isRoot = process.getuid?.() === 0;

/**
 * The first three octets of a /24 from the top of this test process's own pool
 * (n = 1, 2, ...; the engine allocates from its bottom), for tests that create
 * networks with a fixed subnet: the engine refuses a subnet that overlaps a
 * route on the host, so a fixed one shared by two test runs would clash.
 */
export function slotNet24(n: number): string {
  const slot = testSlot();
  if (!slot) throw new Error('a fixed subnet needs a test slot (root)');
  const [a, b] = slot.pool.split('.');
  return `${a}.${b}.${256 - n}`;
}

/** `stowage system service` on a socket of the test's own, and the docker CLI pointed at it. */
export interface ApiService {
  socket: string;
  /** The service's process. */
  pid: number;
  docker(args: string[], opts?: RunOptions): Promise<Result>;
  dockerOk(args: string[], opts?: RunOptions): Promise<string>;
  /** A raw request: status, headers and body. */
  request(
    method: string,
    urlPath: string,
    body?: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  stop(): Promise<number | null>;
  running(): boolean;
}

export async function startService(env: TestEnv): Promise<ApiService> {
  const socket = path.join(env.dir, `api-${Math.random().toString(36).slice(2, 8)}.sock`);
  const service = spawn(FRONT_END, ['system', 'service', `unix://${socket}`], {
    env: env.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  service.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  for (
    const deadline = Date.now() + 60_000;
    !stderr.includes('API listening');
    await new Promise((r) => setTimeout(r, 50))
  ) {
    if (Date.now() > deadline || service.exitCode !== null) throw new Error(`the service did not start: ${stderr}`);
  }
  const dockerEnv = {
    ...(process.env as Record<string, string>),
    DOCKER_HOST: `unix://${socket}`,
    DOCKER_CONFIG: path.join(env.dir, 'docker-config'),
  };
  const docker = (args: string[], opts: RunOptions = {}) =>
    capture('docker', args, {
      env: { ...dockerEnv, ...opts.env },
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  return {
    socket,
    pid: service.pid!,
    docker,
    async dockerOk(args, opts) {
      const r = await docker(args, opts);
      if (r.code !== 0)
        throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    request(method, urlPath, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          { socketPath: socket, method, path: urlPath, headers: { 'Content-Type': 'application/json', ...headers } },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (b: Buffer) => parts.push(b));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(parts).toString('utf8'),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    async stop() {
      if (service.exitCode !== null) return service.exitCode;
      service.kill('SIGTERM');
      return new Promise((r) => service.once('exit', (code) => r(code)));
    },
    running: () => service.exitCode === null,
  };
}
