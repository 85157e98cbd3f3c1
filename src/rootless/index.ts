// Rootless stowage: an ordinary user's engine, in the user's own namespace.
// See docs/ROOTLESS.md. The front ends ask only three things: whether this
// process works for an ordinary user, where that user's directories are, and
// to be run inside the namespace when they are not yet.
import fs from 'node:fs';
import path from 'node:path';
import { identity } from './identity';
import { ensurePrivateDir, rootlessDataDir, rootlessRunDir } from './paths';

export { identity, isRootless, inUserNamespace, type Identity } from './identity';
export { reenterInUserNamespace, endUserNamespaceIfIdle, USERNS_FILES } from './userns';
export { rootlessRunDir } from './paths';

/** The default store and run root of this process: the user's (rootless), else undefined (root's defaults). */
export function rootlessDefaults(env: NodeJS.ProcessEnv = process.env): { root: string; runroot: string } | undefined {
  const id = identity();
  if (id.kind === 'root') return undefined;
  return { root: rootlessDataDir(env, id.uid), runroot: rootlessRunDir(env, id.uid) };
}

/**
 * Prepares a rootless process inside the namespace: its run directory private,
 * temporary files there rather than in /tmp (nothing outside the user's
 * directories is written), the sbin directories on PATH. Root: nothing.
 */
export function prepareRootlessProcess(env: NodeJS.ProcessEnv = process.env): void {
  const id = identity();
  if (id.kind !== 'inside') return;
  const runDir = rootlessRunDir(env, id.uid);
  ensurePrivateDir(runDir);
  // an ordinary user's PATH (Debian's: /usr/local/bin:/usr/bin:/bin) lacks the sbin
  // directories of iptables, ip and the other tools stowage runs in the user's namespace
  const dirs = (env.PATH ?? '').split(':').filter(Boolean);
  const missing = ['/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => !dirs.includes(d));
  if (missing.length) env.PATH = [...dirs, ...missing].join(':');
  if (!env.TMPDIR) {
    const tmp = path.join(runDir, 'tmp');
    fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    env.TMPDIR = tmp;
  }
}
