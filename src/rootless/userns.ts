// An ordinary user's namespace, as podman's: made once by the user's first
// command (the pause process of native/userns-helper.c keeps it), joined by
// every command after (native/launcher.c joins before Node.js starts: a
// multithreaded process cannot). Inside, the user is root over the IDs of its
// /etc/subuid and /etc/subgid ranges, so layers keep their owners, overlayfs
// mounts, and runc runs containers as it does for root.
//
// Everything that can be checked first is, so a refusal names its fix and
// leaves nothing made: no ranges, no uidmap tools, a kernel that refuses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StowageError, failedPrecondition } from '../errdefs';
import { FRONT_END_PATH, REPO_ROOT } from '../util/paths';
import { identity, type Identity } from './identity';
import { processStart } from '../util/proc';
import { ensurePrivateDir, rootlessRunDir, userNameOf } from './paths';
import { idMap, rangesFor, type IdRange } from './subids';

// node:child_process (with node:net and the stream modules under it) costs every
// command several ms to load: required only where a namespace is made or re-entered
const childProcess = () => require('node:child_process') as typeof import('node:child_process'); // eslint-disable-line @typescript-eslint/no-require-imports

export const USERNS_HELPER_PATH = path.join(REPO_ROOT, 'build', 'Release', 'stowage-userns');
/** Set on the command the CLI starts in the namespace: it must not try again. */
const TRIED = 'STOWAGE_USERNS_TRIED';

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // a missing file (no subuid, no such sysctl) reads as empty
    return '';
  }
}

/** A program on PATH (as podman looks for newuidmap). */
function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const d of (env.PATH ?? '').split(':')) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface UserMaps {
  user: string;
  uidMap: number[][];
  gidMap: number[][];
}

/** The user's maps from /etc/subuid and /etc/subgid, or the error that names the fix. */
export function userMaps(
  uid: number,
  gid: number,
  files = { passwd: '/etc/passwd', subuid: '/etc/subuid', subgid: '/etc/subgid' },
): UserMaps {
  const user = userNameOf(readText(files.passwd), uid) ?? String(uid);
  const uids = rangesFor(readText(files.subuid), user, uid);
  const gids = rangesFor(readText(files.subgid), user, uid);
  const missing = [uids.length ? '' : files.subuid, gids.length ? '' : files.subgid].filter(Boolean);
  if (missing.length) {
    throw failedPrecondition(
      `no subordinate ${missing.length === 2 ? 'user and group IDs' : uids.length ? 'group IDs' : 'user IDs'} for user ${user} in ${missing.join(' and ')}: ` +
        `rootless stowage needs them for its user namespace. As root, give the user a range: ` +
        `scripts/setup.sh --rootless-user ${user} (or usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user})`,
    );
  }
  return { user, uidMap: idMap(uid, uids), gidMap: idMap(gid, gids) };
}

/** Why the kernel would refuse an unprivileged user namespace, if it says so in /proc/sys. */
export function kernelRefusal(read: (file: string) => string = readText): string | undefined {
  const max = read('/proc/sys/user/max_user_namespaces').trim();
  if (max === '0') return 'user.max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=15000';
  if (read('/proc/sys/kernel/unprivileged_userns_clone').trim() === '0')
    return 'kernel.unprivileged_userns_clone is 0; as root: sysctl -w kernel.unprivileged_userns_clone=1';
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns').trim() === '1') {
    return 'AppArmor restricts unprivileged user namespaces; as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0';
  }
  return undefined;
}

const flat = (map: number[][]) => map.flat().map(String);

/**
 * Makes the user's namespace unless it exists (the helper checks under a lock).
 * On failure nothing stays: no pause process, no pid file, no run directory it made.
 */
export function ensureUserNamespace(
  id: Extract<Identity, { kind: 'outside' }>,
  runDir: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const maps = userMaps(id.uid, id.gid);
  for (const tool of ['newuidmap', 'newgidmap']) {
    if (!which(tool, env)) {
      throw failedPrecondition(
        `${tool} not found: rootless stowage maps its user namespace with it. As root: apt-get install uidmap (or scripts/setup.sh)`,
      );
    }
  }
  const refusal = kernelRefusal();
  if (refusal) throw failedPrecondition(`cannot create a user namespace: ${refusal}`);
  const existed = fs.existsSync(runDir);
  ensurePrivateDir(runDir);
  const r = childProcess().spawnSync(USERNS_HELPER_PATH, [runDir, ...flat(maps.uidMap), '--', ...flat(maps.gidMap)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status === 0) return;
  if (!existed) fs.rmSync(runDir, { recursive: true, force: true });
  const detail = (r.stderr ?? '').trim() || (r.error ? r.error.message : `exit status ${r.status}`);
  if (r.status === 2) {
    throw failedPrecondition(
      `cannot create a user namespace: the kernel refused it (${detail}); check user.max_user_namespaces and any security module restricting unprivileged user namespaces`,
    );
  }
  if (r.status === 3) {
    throw failedPrecondition(
      `cannot map the user namespace of ${maps.user} with newuidmap/newgidmap: ${detail}. ` +
        `Check the user's ranges in /etc/subuid and /etc/subgid and that newuidmap and newgidmap are setuid root (apt-get install --reinstall uidmap)`,
    );
  }
  throw new StowageError('internal', `cannot create the user namespace: ${detail}`);
}

/**
 * Runs this command again inside the user's namespace (made first if needed)
 * through the front end, which joins it; resolves with its exit status.
 */
export async function reenterInUserNamespace(
  id: Extract<Identity, { kind: 'outside' }>,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const runDir = rootlessRunDir(env, id.uid);
  if (env[TRIED])
    throw new StowageError('internal', `cannot join the user namespace recorded in ${path.join(runDir, 'userns.pid')}`);
  ensureUserNamespace(id, runDir, env);
  const child = childProcess().spawn(FRONT_END_PATH, argv, { env: { ...env, [TRIED]: '1' }, stdio: 'inherit' });
  // a terminal's ^C and ^\ reach the command too (one process group); others are passed on
  const forward = (sig: NodeJS.Signals) => () => (sig === 'SIGINT' || sig === 'SIGQUIT' ? undefined : child.kill(sig));
  const handlers = (['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

export type { IdRange };

/** The pause process recorded in runDir, if it is alive. */
function pauseProcess(runDir: string): { pid: number; start: string } | undefined {
  const [pid, start] = readText(path.join(runDir, 'userns.pid')).trim().split(' ');
  const p = { pid: Number(pid), start };
  return Number.isInteger(p.pid) && p.pid > 0 && processStart(p.pid) === start ? p : undefined;
}

/** Processes in this process's user namespace other than itself and the pause process. */
function othersInNamespace(pause: number | undefined): number[] {
  let mine: string;
  try {
    mine = fs.readlinkSync('/proc/self/ns/user');
  } catch {
    // no procfs namespace link: no other processes can be found
    return [];
  }
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === pause) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/user`) === mine) out.push(pid);
    } catch {
      /* gone, or not ours to see */
    }
  }
  return out;
}

const IDLE_WAIT_MS = 3000;

/** Polls `done` (every 50 ms, the thread blocked: a reset has nothing else to do) until true or `ms` pass. */
function waitFor(done: () => boolean, ms: number): boolean {
  const until = Date.now() + ms;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= until) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function isProcess(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

/**
 * Ends the user's namespace (its pause process and pid file) when nothing but
 * this process is in it any more (`system reset`); true when it did. With other
 * commands or containers in it, it stays.
 */
export function endUserNamespaceIfIdle(runDir: string): boolean {
  if (identity().kind !== 'inside') return false;
  const pause = pauseProcess(runDir);
  // processes on their way out (a container's conmon after its cleanup, slirp4netns) get a moment
  if (!waitFor(() => othersInNamespace(pause?.pid).length === 0, IDLE_WAIT_MS)) return false;
  if (pause) {
    try {
      process.kill(pause.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    waitFor(() => !isProcess(pause.pid), IDLE_WAIT_MS); // gone when reset returns
  }
  fs.rmSync(path.join(runDir, 'userns.pid'), { force: true });
  fs.rmSync(path.join(runDir, 'userns.lock'), { force: true });
  return true;
}

/** The files of the user's namespace in its run directory (kept when the namespace is). */
export const USERNS_FILES = ['userns.pid', 'userns.lock'];
