// Files that another process may be changing meanwhile (a container's, a build
// context's) are reached by descriptor, never by a path checked first and used
// later. A path of several components is resolved by the kernel inside a root
// taken as "/" (openat2 RESOLVE_IN_ROOT: symlinks, ".." and absolute targets all
// stay inside, and /proc magic links are refused); after that, every call names
// one component relative to a held directory descriptor and never follows a
// final symlink. A directory swapped for a symlink can make a call fail; it can
// never make one reach outside.
import fs from 'node:fs';
import { errnoCode, invalidArgument } from '../errdefs';
import { native, O_PATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../native';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;

export { O_PATH };

/** The path through which a descriptor's own inode is reached (a new open of exactly that file). */
export const procPath = (fd: number): string => `/proc/self/fd/${fd}`;

/**
 * Opens `p` inside the directory `rootFd` as if it were "/"; O_PATH unless `flags` say
 * otherwise. A final symlink is followed (inside the root too) unless `follow` is false.
 */
export function openInRoot(rootFd: number, p: string, opts: { follow?: boolean; flags?: number } = {}): number {
  const flags = (opts.flags ?? O_PATH) | (opts.follow === false ? O_NOFOLLOW : 0);
  return native.openat2(rootFd, p, flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/** As openInRoot; undefined when the path (or a directory on the way) does not exist. */
export function tryOpenInRoot(
  rootFd: number,
  p: string,
  opts: { follow?: boolean; flags?: number } = {},
): number | undefined {
  try {
    return openInRoot(rootFd, p, opts);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** An O_PATH descriptor of `name` in the directory `dirFd` (a symlink is the link itself); undefined if absent. */
export function openChild(dirFd: number, name: string): number | undefined {
  try {
    return native.openat(dirFd, name, O_PATH | O_NOFOLLOW, 0);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** The directory `name` in `dirFd` as an O_PATH descriptor; it must be a directory, not a link to one. */
export function openChildDir(dirFd: number, name: string): number {
  return native.openat(dirFd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY, 0);
}

/** Real access to what an O_PATH descriptor holds: the same inode, opened again through /proc/self/fd. */
export function reopen(fd: number, flags: number): number {
  return fs.openSync(procPath(fd), flags | fs.constants.O_NOCTTY);
}

/** Runs fn with fd and closes fd afterwards, whatever happens. */
export function using<T>(fd: number, fn: (fd: number) => T): T {
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The names in the directory that `fd` holds (any descriptor, O_PATH too). */
export function readdirFd(fd: number): string[] {
  return fs.readdirSync(procPath(fd));
}

/** Reads everything from a descriptor, refusing more than `max` bytes. */
function readCapped(fd: number, max: number, what: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 16, max + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (errnoCode(e) === 'EAGAIN') break; // non-blocking and nothing more now
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > max) throw invalidArgument(`${what} is larger than ${max} bytes`);
    chunks.push(buf.subarray(0, n));
  }
  return Buffer.concat(chunks);
}

export type RegularRead = { kind: 'file'; bytes: Buffer } | { kind: 'absent' } | { kind: 'not-regular'; type: string };

/**
 * A regular file inside a root, read whole if it holds at most `max` bytes (more is
 * an error). Nothing else is ever opened for reading: a FIFO would block, a device
 * could be endless or do something on open; those are reported as `not-regular`.
 */
export function readRegularInRoot(rootFd: number, p: string, max: number): RegularRead {
  const fd = tryOpenInRoot(rootFd, p);
  if (fd === undefined) return { kind: 'absent' };
  return using(fd, () => {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { kind: 'not-regular', type: fileType(st) };
    if (st.size > max) throw invalidArgument(`${p} is larger than ${max} bytes`);
    return using(reopen(fd, O_RDONLY | O_NONBLOCK), (rfd) => ({ kind: 'file', bytes: readCapped(rfd, max, p) }));
  });
}

/** A file type as words, for messages. */
export function fileType(st: fs.Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'named pipe';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'regular file';
}
