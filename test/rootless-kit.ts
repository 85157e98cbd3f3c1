// An ordinary user made for a rootless test: useradd with a home and (unless
// asked otherwise) subordinate ID ranges, stowage run as that user through
// runuser with a login-like environment, and everything of the user removed at
// the end (its processes, by PID, its home, its run directory, the user).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { capture, type Captured } from '../src/util/capture';
import { FRONT_END, REPO } from './helpers';
import { rangesFor, type IdRange } from '../src/rootless/subids';

/** Debian's PATH for an ordinary user (no sbin directories) */
const PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';

function must(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

/** The checkout must be readable by other users (the user runs its front end and bundle). */
function checkoutReachable(): void {
  for (let d = REPO; d !== '/'; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o005) !== 0o005)
      throw new Error(
        `${d} is not readable and searchable by other users: the rootless tests run stowage from ${REPO} as a new user`,
      );
  }
}

let serial = 0;

export class RootlessUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly subuids: IdRange[];
  readonly subgids: IdRange[];

  /** A new user; withRanges false: one with no subordinate IDs. */
  constructor(opts: { withRanges?: boolean } = {}) {
    checkoutReachable();
    this.name = `strl${process.pid % 100000}x${serial++}`;
    must('useradd', ['-m', '-s', '/bin/sh', '-c', 'stowage rootless test', this.name]);
    this.uid = Number(must('id', ['-u', this.name]).trim());
    this.gid = Number(must('id', ['-g', this.name]).trim());
    this.home = must('getent', ['passwd', this.name]).split(':')[5];
    const ranges = (f: string) => rangesFor(fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '', this.name, this.uid);
    if (opts.withRanges === false) {
      for (const r of ranges('/etc/subuid'))
        must('usermod', ['--del-subuids', `${r.start}-${r.start + r.count - 1}`, this.name]);
      for (const r of ranges('/etc/subgid'))
        must('usermod', ['--del-subgids', `${r.start}-${r.start + r.count - 1}`, this.name]);
    } else if (!ranges('/etc/subuid').length || !ranges('/etc/subgid').length) {
      // useradd gives ranges only where /etc/subuid already exists: the set-up's way then
      must(path.join(REPO, 'scripts', 'rootless-user.sh'), [this.name]);
    }
    this.subuids = ranges('/etc/subuid');
    this.subgids = ranges('/etc/subgid');
  }

  /** The user's ranges as the files have them now (after a set-up gave some). */
  rereadRanges(): void {
    const ranges = (f: string) => rangesFor(fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '', this.name, this.uid);
    (this as { subuids: IdRange[] }).subuids = ranges('/etc/subuid');
    (this as { subgids: IdRange[] }).subgids = ranges('/etc/subgid');
  }

  /** Where stowage keeps the user's run state (XDG_RUNTIME_DIR unset). */
  get runDir(): string {
    return `/tmp/stowage-run-${this.uid}`;
  }

  get store(): string {
    return path.join(this.home, '.local', 'share', 'stowage');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { HOME: this.home, USER: this.name, LOGNAME: this.name, PATH, LANG: 'C.UTF-8', ...extra };
  }

  /** A program run as the user (runuser: no setuid, no PAM session), in its home. */
  exec(
    cmd: string,
    args: string[],
    opts: { env?: Record<string, string>; input?: string | Buffer; timeoutMs?: number } = {},
  ): Promise<Captured> {
    const env = this.env(opts.env);
    return capture(
      'runuser',
      ['-u', this.name, '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args],
      {
        input: opts.input,
        cwd: this.home,
        timeoutMs: opts.timeoutMs ?? 180_000,
      },
    );
  }

  /** stowage, as the user runs it (the native front end, as on PATH). */
  run(
    args: string[],
    opts: { env?: Record<string, string>; input?: string | Buffer; timeoutMs?: number } = {},
  ): Promise<Captured> {
    return this.exec(FRONT_END, args, opts);
  }

  async ok(args: string[], opts: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0)
      throw new Error(
        `stowage ${args.join(' ')} (as ${this.name}) exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
      );
    return r.stdout;
  }

  /** A file in the user's home, owned by the user. */
  give(name: string, from: string): string {
    const to = path.join(this.home, name);
    fs.copyFileSync(from, to);
    fs.chownSync(to, this.uid, this.gid);
    return to;
  }

  /**
   * Live processes whose real or effective user is the user or one of its subordinate
   * IDs (zombies are dead: this machine's init is slow to reap what it inherits).
   */
  processes(): number[] {
    const mine = (uid: number) =>
      uid === this.uid || this.subuids.some((r) => uid >= r.start && uid < r.start + r.count);
    const out: number[] = [];
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const status = fs.readFileSync(`/proc/${e}/status`, 'utf8');
        const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
        if (/^State:\s+[ZX]/m.test(status)) continue;
        if (uids && (mine(Number(uids[1])) || mine(Number(uids[2])))) out.push(Number(e));
      } catch {
        /* gone */
      }
    }
    return out;
  }

  /** The command lines of processes (for messages). */
  static describe(pids: number[]): string {
    return pids
      .map((p) => {
        try {
          return `${p}: ${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
        } catch {
          return `${p}: gone`;
        }
      })
      .join('\n');
  }

  /** Mounts anywhere under the user's home or run directory, as the host sees them. */
  mounts(): string[] {
    return fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((t) => t && (t.startsWith(this.home + '/') || t.startsWith(this.runDir)));
  }

  /** Removes the user and all it left: processes (by their PIDs), home, run directory, ranges. */
  remove(): void {
    if (fs.existsSync(this.store))
      spawnSync(
        'runuser',
        [
          '-u',
          this.name,
          '--',
          'env',
          '-i',
          ...Object.entries(this.env()).map(([k, v]) => `${k}=${v}`),
          FRONT_END,
          'system',
          'reset',
          '-f',
        ],
        { stdio: 'ignore', timeout: 120_000 },
      );
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const m of this.mounts().reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    // what any engine run by the user left in the shared temporary directories (podman's run root, locks)
    for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
      for (const e of fs.readdirSync(dir)) {
        const p = path.join(dir, e);
        try {
          if (fs.lstatSync(p).uid === this.uid) fs.rmSync(p, { recursive: true, force: true });
        } catch {
          /* gone meanwhile */
        }
      }
    }
    spawnSync('userdel', ['-r', '-f', this.name], { stdio: 'ignore' });
    fs.rmSync(this.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    fs.rmSync(this.runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }

  /**
   * Files on the host an unprivileged run could have written outside `allowed`:
   * any owned by the user or its subordinate IDs, and root's world-writable
   * files changed since `since` (the only root files such a run can change).
   */
  writtenOutside(since: string, allowed: string[]): string[] {
    const owners = [
      '-uid',
      String(this.uid),
      ...this.subuids.flatMap((r) => ['-o', '(', '-uid', `+${r.start - 1}`, '-uid', `-${r.start + r.count}`, ')']),
    ];
    const r = spawnSync(
      'find',
      [
        '/',
        '/dev/shm',
        '-xdev',
        '(',
        '-path',
        '/proc',
        '-o',
        '-path',
        '/sys',
        ')',
        '-prune',
        '-o',
        '(',
        ...owners,
        '-o',
        '(',
        '-uid',
        '0',
        '-perm',
        '-0002',
        '-type',
        'f',
        '-newer',
        since,
        ')',
        ')',
        '-print',
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .filter((f) => !allowed.some((a) => f === a || f.startsWith(a + '/')));
  }
}
