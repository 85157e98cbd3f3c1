// Where an ordinary user's stowage keeps things, as podman does: the store
// under $XDG_DATA_HOME/stowage (~/.local/share/stowage), run state under
// $XDG_RUNTIME_DIR/stowage, or a private directory in /tmp when that is unset.
// The same rules are in native/userns.c (the front end finds the store too).
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition } from '../errdefs';

type Env = NodeJS.ProcessEnv;

const absolute = (p: string | undefined): p is string => !!p && p.startsWith('/');

/** The user's run directory: the default run root, and where the namespace's pause process is recorded. */
export function rootlessRunDir(env: Env, uid: number): string {
  return absolute(env.XDG_RUNTIME_DIR) ? path.join(env.XDG_RUNTIME_DIR, 'stowage') : `/tmp/stowage-run-${uid}`;
}

/** The user's default store. */
export function rootlessDataDir(env: Env, uid: number, passwd = readPasswd): string {
  if (absolute(env.XDG_DATA_HOME)) return path.join(env.XDG_DATA_HOME, 'stowage');
  const home = absolute(env.HOME) ? env.HOME : homeOf(passwd(), uid);
  if (!home)
    throw failedPrecondition(
      `cannot find the home directory of user ${uid}: set HOME or XDG_DATA_HOME, or give --root`,
    );
  return path.join(home, '.local', 'share', 'stowage');
}

function readPasswd(): string {
  try {
    return fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no /etc/passwd (a minimal host): no entries to look up
    return '';
  }
}

/** Home directory of uid in /etc/passwd's text. */
export function homeOf(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid && f[2] !== '') return f[5] || undefined;
  }
  return undefined;
}

/** User name of uid in /etc/passwd's text. */
export function userNameOf(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[2] !== '' && Number(f[2]) === uid) return f[0];
  }
  return undefined;
}

/**
 * Makes the run directory if needed and checks that it is the user's alone:
 * in /tmp anyone could have made it first.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const me = process.geteuid?.() ?? 0;
  if (!st.isDirectory() || st.uid !== me || (st.mode & 0o077) !== 0) {
    throw failedPrecondition(
      `${dir} is not a private directory of this user (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}): remove it, or set XDG_RUNTIME_DIR or --runroot elsewhere`,
    );
  }
}
