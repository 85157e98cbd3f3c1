// The "init" layer between an image and a container's writable layer (Docker's
// <id>-init): the mount points stowage itself fills (/etc/hosts, /etc/hostname,
// /etc/resolv.conf, /dev/console, /proc, /sys...) exist here, so they never
// appear in the writable layer: `diff` does not list them and `commit` does
// not carry them into an image.
import fs from 'node:fs';
import path from 'node:path';

const DIRS = ['dev', 'dev/pts', 'dev/shm', 'proc', 'sys', 'etc'];
const FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'dev/console'];

/** Paths of the init layer (relative), which the writable layer never holds as changes. */
export const INIT_PATHS = new Set([...FILES, 'etc/mtab', '.dockerenv', 'proc', 'sys', 'dev']);

export function makeInitLayer(dir: string): void {
  if (fs.existsSync(path.join(dir, 'etc', 'hosts'))) return;
  for (const d of DIRS) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  for (const f of FILES) fs.writeFileSync(path.join(dir, f), '', { mode: 0o644 });
  try {
    fs.symlinkSync('/proc/mounts', path.join(dir, 'etc', 'mtab'));
  } catch {
    /* already there */
  }
}
