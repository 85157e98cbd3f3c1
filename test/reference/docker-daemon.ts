// A private, real Docker daemon (dockerd 20.10 from Debian's docker.io) for one
// test file: the reference that stowage's behaviour is compared against.
//
//   const docker = await startDockerDaemon();
//   after(() => docker.stop());
//   const r = await docker.docker(['images', '--format', 'json']);
//
// Everything the daemon keeps lives under one temporary directory: data root,
// exec root (where dockerd 20.10 also puts its containerd's sockets, state and
// config), API socket, pid file, trust key, daemon.json and the CLI's config.
// It never uses /var/run/docker.sock or /var/lib/docker. Names shared with the
// rest of the machine are made unique per daemon: the containers' cgroup parent,
// the containerd namespaces, and (with `bridge`) the bridge and its subnet, so
// test files running in parallel each get a daemon that cannot see another's.
//
// dockerd 20.10 uses the system containerd instead of starting its own when
// /run/containerd/containerd.sock exists; the unique containerd namespaces keep
// daemons apart even then, and stop() finds the shims by namespace.
//
// Left on the machine by dockerd/containerd whatever the flags (all harmless and
// shared): the empty directories /run/docker/plugins (plugin discovery),
// /opt/containerd (containerd's "opt" plugin) and /run/containerd/s (directory
// of the shims' sockets, each named by a hash of its containerd's address).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { capture, type Captured } from '../../src/util/capture';

export type DockerResult = Captured;

export interface DockerRunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface DockerDaemonOptions {
  /**
   * Networking. Default (false): `--bridge=none --iptables=false --ip-masq=false
   * --ip-forward=false`; containers must use `--network none` (or host).
   * true or an object: a bridge of this daemon's own (unique name, unique
   * 10.213.x.0/24 unless `subnet` is given) is created with `ip link` and passed
   * as `--bridge`; iptables/ip-masq/ip-forward stay off unless asked for (they
   * change the host's global firewall and sysctl state).
   */
  bridge?: boolean | { subnet?: string; iptables?: boolean; ipMasq?: boolean; ipForward?: boolean };
  /** Storage driver (default overlay2). */
  storageDriver?: string;
  /**
   * Where --data-root and --exec-root go (default: the daemon's own temporary
   * directory). Benchmarks put them on the filesystem that holds stowage's store.
   */
  stateDir?: string;
  /**
   * stop() leaves the directory made under `stateDir` (unmounted) for the caller to
   * remove later: benchmarks delete nothing between rounds (see bench/registry.ts).
   */
  keepState?: boolean;
  /** More dockerd arguments, appended last. */
  extraArgs?: string[];
  /** How long to wait for `/_ping` to answer (default 60 s). */
  startTimeoutMs?: number;
  /** dockerd's --log-level (default info). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

const DOCKERD_CANDIDATES = ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd'];
const CLI_CANDIDATES = ['/usr/local/bin/docker', '/usr/bin/docker'];
const CONTAINERD_CANDIDATES = ['/usr/bin/containerd', '/usr/local/bin/containerd', '/usr/sbin/containerd'];

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** dockerd: $STOWAGE_DOCKERD, else the Debian docker.io one. */
export function dockerdPath(): string | undefined {
  const env = process.env.STOWAGE_DOCKERD;
  if (env) return executable(env) ? env : undefined;
  return DOCKERD_CANDIDATES.find(executable) ?? which('dockerd');
}

/** The docker CLI: $STOWAGE_DOCKER_CLI, else /usr/local/bin/docker (CLI 28), else docker.io's. */
export function dockerCliPath(): string | undefined {
  const env = process.env.STOWAGE_DOCKER_CLI;
  if (env) return executable(env) ? env : undefined;
  return CLI_CANDIDATES.find(executable) ?? which('docker');
}

function containerdPath(): string | undefined {
  return which('containerd') ?? CONTAINERD_CANDIDATES.find(executable);
}

/** Whether dockerd, its containerd and the docker CLI are all installed. */
export function isDockerInstalled(): boolean {
  return !!(dockerdPath() && dockerCliPath() && containerdPath());
}

function notInstalled(): Error {
  const missing = [
    dockerdPath() ? '' : 'dockerd',
    containerdPath() ? '' : 'containerd',
    dockerCliPath() ? '' : 'the docker CLI',
  ].filter(Boolean);
  return new Error(
    `the reference Docker daemon is not installed (missing: ${missing.join(', ')}): ` +
      "run scripts/setup.sh --with-references (it installs Debian's docker.io: dockerd 20.10, containerd, runc)",
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is dead for our purposes
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const live = new Set<DockerDaemon>();
let hooked = false;

/** If the test process ends without stop() (crash, test-runner timeout), still clean up. */
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const d of live) d.stopSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const d of live) d.stopSync();
      process.kill(process.pid, sig);
    });
  }
}

/** Links holding an address in 10.213.x.0/24, from `ip -4 -o addr show` ("3: sref1 inet 10.213.7.1/24 ..."). */
function holdersOf(x: number): string[] {
  const lines = (spawnSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).stdout ?? '').split('\n');
  return lines.filter((l) => l.includes(` inet 10.213.${x}.`)).map((l) => l.split(/\s+/)[1]);
}

function pickSubnet(skip: Set<number>): number {
  const routes = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).stdout ?? '';
  const start = randomBytes(1)[0];
  for (let i = 0; i < 256; i++) {
    const x = (start + i) % 256;
    if (!skip.has(x) && !holdersOf(x).length && !routes.includes(`10.213.${x}.`)) return x;
  }
  throw new Error('no free 10.213.x.0/24 subnet for a reference Docker bridge');
}

export class DockerDaemon {
  /** The temporary directory that holds everything of this daemon. */
  readonly dir: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Directories that are this daemon's: its processes, mounts and files are found by them. */
  private readonly roots: string[];
  /** What stop() removes: the roots, but for a kept state directory. */
  private readonly removable: string[];
  readonly socket: string;
  /** DOCKER_HOST value for this daemon. */
  readonly host: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The containers' cgroup parent (cgroupfs driver), unique to this daemon. */
  readonly cgroupParent: string;
  /** containerd namespace of this daemon's containers (and `${ns}-plugins`). */
  readonly containerdNamespace: string;
  /** The bridge of this daemon when started with `bridge`, else undefined. */
  readonly bridgeName: string | undefined;
  readonly cli: string;
  /** The daemon's version (e.g. 20.10.24+dfsg1), known once started. */
  serverVersion = '';
  private child: ChildProcess | undefined;
  private daemonPid = 0;
  private stopped = false;
  private readonly token: string;

  private constructor(private readonly opts: DockerDaemonOptions) {
    const cli = dockerCliPath();
    if (!dockerdPath() || !cli || !containerdPath()) throw notInstalled();
    if (process.getuid?.() !== 0)
      throw new Error('the reference Docker daemon needs root (dockerd is started as the test user)');
    this.cli = cli;
    // unix socket paths are limited to 108 bytes: keep the base short
    const base = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';
    this.dir = fs.mkdtempSync(path.join(base, 'stowage-dockerd-'));
    this.token = randomBytes(5).toString('hex');
    const state = opts.stateDir ? fs.mkdtempSync(path.join(opts.stateDir, 'dockerd-')) : this.dir;
    this.roots = [...new Set([this.dir, state])];
    this.removable = opts.keepState ? [this.dir] : this.roots;
    this.dataRoot = path.join(state, 'data');
    this.execRoot = path.join(state, 'exec');
    this.socket = path.join(this.dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.pidFile = path.join(this.dir, 'docker.pid');
    this.logFile = path.join(this.dir, 'dockerd.log');
    this.cgroupParent = `/stowage-ref-${this.token}`;
    this.containerdNamespace = `stowage-ref-${this.token}`;
    this.bridgeName = opts.bridge ? `sref${this.token.slice(0, 8)}` : undefined;
    for (const d of [this.dataRoot, this.execRoot, path.join(this.dir, 'cli')])
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    // "deprecated-key-path" (20.10, daemon.json only): otherwise every daemon
    // writes and shares the engine ID key /etc/docker/key.json
    fs.writeFileSync(
      path.join(this.dir, 'daemon.json'),
      `${JSON.stringify({ 'deprecated-key-path': path.join(this.dir, 'key.json') })}\n`,
    );
  }

  /** Starts a private dockerd and waits until its API answers `/_ping`. */
  static async start(opts: DockerDaemonOptions = {}): Promise<DockerDaemon> {
    const d = new DockerDaemon(opts);
    live.add(d);
    hookProcessExit();
    try {
      await d.launch();
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  private args(): string[] {
    const o = this.opts;
    const a = [
      '--config-file',
      path.join(this.dir, 'daemon.json'),
      '--data-root',
      this.dataRoot,
      '--exec-root',
      this.execRoot,
      '-H',
      this.host,
      '--pidfile',
      this.pidFile,
      '--storage-driver',
      o.storageDriver ?? 'overlay2',
      '--exec-opt',
      'native.cgroupdriver=cgroupfs',
      '--cgroup-parent',
      this.cgroupParent,
      '--containerd-namespace',
      this.containerdNamespace,
      '--containerd-plugins-namespace',
      `${this.containerdNamespace}-plugins`,
      '--log-level',
      o.logLevel ?? 'info',
      '--shutdown-timeout',
      '5',
    ];
    const b = o.bridge;
    if (!b) {
      a.push('--bridge=none', '--iptables=false', '--ip-masq=false', '--ip-forward=false');
    } else {
      const bo = typeof b === 'object' ? b : {};
      a.push(
        `--bridge=${this.bridgeName}`,
        `--iptables=${!!bo.iptables}`,
        `--ip-masq=${!!bo.ipMasq}`,
        `--ip-forward=${!!bo.ipForward}`,
      );
    }
    return [...a, ...(o.extraArgs ?? [])];
  }

  private setupBridge(): void {
    const b = this.opts.bridge;
    if (!b || !this.bridgeName) return;
    const ip = (args: string[]) => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr || r.error}`);
    };
    ip(['link', 'add', 'name', this.bridgeName, 'type', 'bridge']);
    const given = typeof b === 'object' ? b.subnet : undefined;
    if (given) ip(['addr', 'add', given, 'dev', this.bridgeName]);
    // a free /24, claimed by adding it: daemons of other test runs may pick at the same
    // moment, so one that then sees another link in the same subnet yields and picks again
    const tried = new Set<number>();
    while (!given) {
      const x = pickSubnet(tried);
      tried.add(x);
      ip(['addr', 'add', `10.213.${x}.1/24`, 'dev', this.bridgeName]);
      if (holdersOf(x).every((l) => l === this.bridgeName)) break;
      ip(['addr', 'del', `10.213.${x}.1/24`, 'dev', this.bridgeName]);
      sleepSync(Math.floor(Math.random() * 50));
    }
    ip(['link', 'set', this.bridgeName, 'up']);
  }

  private async launch(): Promise<void> {
    this.setupBridge();
    const log = fs.openSync(this.logFile, 'a');
    const dockerd = dockerdPath()!;
    // containerd and runc are found on PATH by dockerd
    const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin:/sbin:/bin` } as Record<
      string,
      string
    >;
    for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'NOTIFY_SOCKET'])
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the environment handed to spawn() is a plain object
      delete env[k];
    this.child = spawn(dockerd, this.args(), { stdio: ['ignore', log, log], env });
    fs.closeSync(log);
    this.daemonPid = this.child.pid ?? 0;
    let exited: string | undefined;
    this.child.on('exit', (code, sig) => (exited = `dockerd exited (${sig ?? code})`));
    this.child.on('error', (e) => (exited = `dockerd could not start: ${e.message}`));
    this.child.unref();
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exited) throw new Error(`${exited} before answering /_ping\n${this.logTail()}`);
      if ((await this.ping()) === 'OK') break;
      if (Date.now() > deadline) {
        throw new Error(
          `dockerd did not answer /_ping on ${this.socket} within ${(this.opts.startTimeoutMs ?? 60_000) / 1000} s\n${this.logTail()}`,
        );
      }
      await sleep(100);
    }
    const v = await this.docker(['version', '--format', '{{.Server.Version}}']);
    this.serverVersion = v.stdout.trim();
  }

  private ping(): Promise<string | undefined> {
    return new Promise((resolve) => {
      if (!fs.existsSync(this.socket)) {
        resolve(undefined);
        return;
      }
      const req = http.get({ socketPath: this.socket, path: '/_ping', timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer | string) => (body += d.toString()));
        res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
    });
  }

  /** The last lines of dockerd's log (its stdout and stderr, containerd's included). */
  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  }

  /** Environment for the docker CLI talking to this daemon only. */
  cliEnv(extra: Record<string, string> = {}): Record<string, string> {
    const env = { ...(process.env as Record<string, string>) };
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the environment handed to spawn() is a plain object
    for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
    return {
      ...env,
      DOCKER_HOST: this.host,
      // the CLI's own config (contexts, credentials, feature flags) kept private too
      DOCKER_CONFIG: path.join(this.dir, 'cli'),
      ...extra,
    };
  }

  /** Runs the docker CLI against this daemon. */
  docker(args: string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
    return capture(this.cli, args, {
      env: this.cliEnv(opts.env),
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  }

  /** Runs the docker CLI and fails unless it exits 0; returns stdout. */
  async ok(args: string[], opts: DockerRunOptions = {}): Promise<string> {
    const r = await this.docker(args, opts);
    if (r.code !== 0)
      throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** Every process of this daemon: dockerd, its containerd, the shims (by the paths in their command lines) and the containers (by cgroup). */
  private processes(): {
    pid: number;
    kind: 'dockerd' | 'containerd' | 'shim' | 'container' | 'other';
    cmdline: string[];
  }[] {
    const out: { pid: number; kind: 'dockerd' | 'containerd' | 'shim' | 'container' | 'other'; cmdline: string[] }[] =
      [];
    const cgroupMark = `${this.cgroupParent}/`;
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (pid === process.pid) continue;
      let cmdline: string[];
      let cgroup = '';
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      } catch {
        continue;
      }
      const ns = cmdline.indexOf('-namespace');
      const mine =
        pid === this.daemonPid ||
        cmdline.some((a) => this.roots.some((r) => a.startsWith(r))) ||
        // a shim of a system containerd (see the note at the top) is ours by its namespace
        (ns >= 0 && cmdline[ns + 1] === this.containerdNamespace);
      const inCgroup = cgroup.split('\n').some((l) => l.split(':').slice(2).join(':').startsWith(cgroupMark));
      if (!mine && !inCgroup) continue;
      const exe = path.basename(cmdline[0] ?? '');
      const kind =
        pid === this.daemonPid || exe === 'dockerd'
          ? 'dockerd'
          : exe === 'containerd'
            ? 'containerd'
            : exe.startsWith('containerd-shim')
              ? 'shim'
              : inCgroup
                ? 'container'
                : 'other';
      out.push({ pid, kind, cmdline });
    }
    return out;
  }

  private waitGone(pids: number[], ms: number): boolean {
    const deadline = Date.now() + ms;
    while (pids.some(alive)) {
      if (Date.now() > deadline) return false;
      sleepSync(50);
    }
    return true;
  }

  /** Stops the daemon: containers killed, dockerd stopped, its containerd and shims gone, everything under its directory unmounted and removed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    // kill running containers first: dockerd would give each 10 s to stop
    if (this.daemonPid && alive(this.daemonPid) && (await this.ping()) === 'OK') {
      const ps = await this.docker(['ps', '-q', '--no-trunc'], { timeoutMs: 20_000 }).catch(() => undefined);
      const ids = ps?.stdout.split('\n').filter(Boolean) ?? [];
      if (ids.length) await this.docker(['kill', ...ids], { timeoutMs: 30_000 }).catch(() => undefined);
    }
    this.stopSync();
  }

  /** stop() without the friendly first step; also what runs when the test process exits abruptly. */
  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    // 1. dockerd: SIGTERM stops its containers and its containerd child
    if (this.daemonPid && alive(this.daemonPid)) {
      signal(this.daemonPid, 'SIGTERM');
      if (!this.waitGone([this.daemonPid], 20_000)) signal(this.daemonPid, 'SIGKILL');
      this.waitGone([this.daemonPid], 5_000);
    }
    // 2. whatever survived: containerd, shims (reparented to init), container processes
    let rest = this.processes();
    const shims = rest.filter((p) => p.kind === 'shim');
    const containerd = rest.filter((p) => p.kind === 'containerd').map((p) => p.pid);
    for (const pid of containerd) signal(pid, 'SIGTERM');
    if (containerd.length) this.waitGone(containerd, 5_000);
    rest = this.processes();
    for (const p of rest) signal(p.pid, 'SIGKILL');
    if (
      !this.waitGone(
        rest.map((p) => p.pid),
        10_000,
      )
    ) {
      const left = this.processes().map((p) => `${p.pid} ${p.cmdline.join(' ')}`);
      if (left.length) process.emitWarning(`reference dockerd: processes left after SIGKILL: ${left.join('; ')}`);
    }
    // shims killed outright leave their socket in /run/containerd/s (named by
    // sha256 of containerd address + namespace + container ID): remove ours
    for (const s of shims) {
      const arg = (f: string) => s.cmdline[s.cmdline.indexOf(f) + 1];
      if (!s.cmdline.includes('-address') || !s.cmdline.includes('-id') || !s.cmdline.includes('-namespace')) continue;
      const hash = createHash('sha256')
        .update(path.join(arg('-address'), arg('-namespace'), arg('-id')))
        .digest('hex');
      fs.rmSync(path.join('/run/containerd/s', hash), { force: true });
    }
    // 3. mounts under the directory (overlay2 private bind, container rootfs, shm, netns), deepest first
    this.unmountAll();
    // 4. the cgroups of this daemon's containers
    removeCgroups(this.cgroupParent);
    // 5. the bridge
    if (this.bridgeName) spawnSync('ip', ['link', 'del', this.bridgeName], { stdio: 'ignore' });
    // 6. the directories
    for (const dir of this.removable) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch (e) {
        process.emitWarning(`reference dockerd: could not remove ${dir}: ${(e as Error).message}`);
      }
    }
  }

  private mountsUnder(): string[] {
    const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    try {
      return fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => unescape(l.split(' ')[4] ?? ''))
        .filter((m) => this.roots.some((r) => m === r || m.startsWith(`${r}/`)));
    } catch {
      return [];
    }
  }

  private unmountAll(): void {
    for (const dir of this.roots) spawnSync('umount', ['-R', '-l', dir], { stdio: 'ignore' });
    for (let round = 0; round < 5; round++) {
      const mounts = [...new Set(this.mountsUnder())].sort((a, b) => b.length - a.length);
      if (!mounts.length) return;
      for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
}

/** Removes a cgroup (v1: in every hierarchy; v2: the unified tree), children first. */
function removeCgroups(parent: string): void {
  const roots: string[] = [];
  try {
    for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const f = l.split(' ');
      const sep = f.indexOf('-');
      if (sep > 0 && (f[sep + 1] === 'cgroup' || f[sep + 1] === 'cgroup2')) roots.push(f[4]);
    }
  } catch {
    return;
  }
  const rmTree = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) rmTree(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch {
      /* busy or gone */
    }
  };
  for (const r of roots) {
    const dir = path.join(r, parent);
    if (fs.existsSync(dir)) rmTree(dir);
  }
}

/** Starts a private reference dockerd; throws (never skips) if Docker is not installed. */
export function startDockerDaemon(opts: DockerDaemonOptions = {}): Promise<DockerDaemon> {
  return DockerDaemon.start(opts);
}
