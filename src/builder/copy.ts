// COPY and ADD into a build step's root filesystem, with Docker's rules: a
// directory source copies its contents, a file lands in the destination
// directory or becomes the destination file, new files and directories belong
// to root unless --chown says otherwise, and ADD unpacks local tar archives.
// Every destination path resolves inside the root: the image's own symlinks
// are followed there, never out to the host.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decompressStream, detectCompression } from '../tar/decompress';
import { invalidArgument } from '../errdefs';
import { O_PATH, openChild, openInRoot, readdirFd, reopen, tryOpenInRoot, using } from '../fd/at';
import { extractInto } from '../layer/extract';
import { packFd } from '../layer/pack';
import { AT_EMPTY_PATH, native } from '../native';
import { resolveUser } from '../runtime/user';

export interface CopyItem {
  /** The directory the source is inside of (the build context, or another image's root). */
  root: string;
  /** The source's path relative to it, symlinks resolved ('' for the root itself). */
  rel: string;
  /** Its name in a destination directory (default: the last part of rel). */
  name?: string;
  /** Leaves out paths under a directory source (relative to it): .dockerignore. */
  exclude?: (rel: string) => boolean;
}

export interface Owner {
  uid: number;
  gid: number;
}

/** O_PATH descriptor of a source, opened again inside its root (whatever changed there, it stays inside). */
function openItem(it: CopyItem): number {
  return using(fs.openSync(it.root, O_PATH | fs.constants.O_DIRECTORY), (rootFd) =>
    openInRoot(rootFd, `/${it.rel}`, { follow: false }),
  );
}

/** Adds a regular file's bytes to a hash a megabyte at a time (files of any size, in constant memory). */
function hashFile(h: Hash, fd: number): void {
  using(reopen(fd, fs.constants.O_RDONLY), (rfd) => {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(rfd, buf); n > 0; n = fs.readSync(rfd, buf)) h.update(buf.subarray(0, n));
  });
}

/** `file:`, `dir:` or `multi:` and a hash of the sources' names, modes, owners and contents (not times): the cache key. */
export function sourcesDigest(items: CopyItem[]): string {
  const h = createHash('sha256');
  const walk = (fd: number, rel: string, exclude?: (rel: string) => boolean) => {
    const st = fs.fstatSync(fd);
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (st.isSymbolicLink()) h.update(native.readlinkat(fd, ''));
    else if (st.isFile()) hashFile(h, fd);
    else if (st.isDirectory()) {
      for (const name of readdirFd(fd).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        if (exclude?.(r)) continue;
        const child = openChild(fd, name);
        if (child !== undefined) using(child, () => walk(child, r, exclude));
      }
    }
    h.update('\0');
  };
  let firstIsDir = false;
  for (const [i, it] of items.entries()) {
    using(openItem(it), (fd) => {
      if (i === 0) firstIsDir = fs.fstatSync(fd).isDirectory();
      walk(fd, '', it.exclude);
    });
  }
  const kind = items.length > 1 ? 'multi' : firstIsDir ? 'dir' : 'file';
  return `${kind}:${h.digest('hex')}`;
}

/** --chown=USER[:GROUP], names looked up in the image; without a group the gid is the uid, as Docker does. */
export function chownOwner(rootfs: string, spec: string | undefined): Owner {
  if (!spec) return { uid: 0, gid: 0 };
  const [user, group] = spec.split(':');
  const prefix = 'unable to convert uid/gid chown string to host mapping';
  let uid: number;
  try {
    uid = resolveUser(rootfs, user).uid;
  } catch {
    // Docker reports any failed lookup as an unknown user (this also relabels an unreadable or oversized /etc/passwd)
    throw invalidArgument(`${prefix}: can't find uid for user ${user}: no such user: ${user}`);
  }
  // without a group Docker looks up the user's own string as the group (a number stands for itself)
  const g = group ?? user;
  try {
    return { uid, gid: resolveUser(rootfs, `${uid}:${g}`).gid };
  } catch {
    // Docker reports any failed lookup as an unknown group (this also relabels an unreadable or oversized /etc/group)
    throw invalidArgument(`${prefix}: can't find gid for group ${g}: no such group: ${g}`);
  }
}

/** Container directory `cpath` inside `rootfs`, made (each missing part owned by `owner`) if it is not there. */
export function ensureDir(rootfs: string, cpath: string, owner: Owner): void {
  using(fs.openSync(rootfs, O_PATH | fs.constants.O_DIRECTORY), (rootFd) =>
    fs.closeSync(ensureDirFd(rootFd, cpath, owner)),
  );
}

/** As ensureDir, inside the root `rootFd`; returns an O_PATH descriptor of the directory (the caller closes it). */
function ensureDirFd(rootFd: number, cpath: string, owner: Owner): number {
  let cur = '/';
  let fd = openInRoot(rootFd, '/');
  try {
    for (const part of cpath.split('/').filter(Boolean)) {
      cur = path.posix.join(cur, part);
      let next = tryOpenInRoot(rootFd, cur);
      if (next === undefined) {
        native.mkdirat(fd, part, 0o755); // inside the directory held so far, nothing followed
        next = native.openat(fd, part, O_PATH | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY, 0);
        native.fchownat(next, '', owner.uid, owner.gid, AT_EMPTY_PATH);
      } else if (!fs.fstatSync(next).isDirectory()) {
        fs.closeSync(next);
        throw invalidArgument(`cannot copy to ${cpath}: ${cur} is not a directory`);
      }
      fs.closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

function isDirIn(rootFd: number, cpath: string): boolean {
  const fd = tryOpenInRoot(rootFd, cpath);
  return fd !== undefined && using(fd, () => fs.fstatSync(fd).isDirectory());
}

async function* fileStream(fd: number): AsyncGenerator<Buffer> {
  yield* fs.createReadStream('', {
    fd: reopen(fd, fs.constants.O_RDONLY),
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>;
}

/** The first bytes of a regular file held by an O_PATH descriptor. */
function head(fd: number, n: number): Buffer {
  return using(reopen(fd, fs.constants.O_RDONLY), (rfd) => {
    const b = Buffer.alloc(n);
    return b.subarray(0, fs.readSync(rfd, b, 0, n, 0));
  });
}

/** A local tar archive (plain or compressed), which ADD unpacks instead of copying. */
function isArchive(fd: number): boolean {
  const h = head(fd, 512);
  if (detectCompression(h) !== 'none') return true;
  return h.length === 512 && h.toString('latin1', 257, 262) === 'ustar';
}

/**
 * Copies the sources to container path `dest` (already absolute) inside `rootfs`.
 * `destIsDir`: the destination ends with "/" (or several sources were given).
 */
export async function copyInto(
  rootfs: string,
  items: CopyItem[],
  dest: string,
  opts: { destIsDir: boolean; owner: Owner; unpackArchives: boolean; instruction: string },
): Promise<void> {
  if (items.length > 1 && !opts.destIsDir) {
    throw invalidArgument(
      `When using ${opts.instruction} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  const ids = { uid: opts.owner.uid, gid: opts.owner.gid };
  const rootFd = fs.openSync(rootfs, O_PATH | fs.constants.O_DIRECTORY);
  try {
    for (const it of items) {
      const src = openItem(it);
      try {
        const st = fs.fstatSync(src);
        let tar: AsyncIterable<Buffer>;
        let dir: string;
        let extract = ids as { uid: number; gid: number; keepOwners?: boolean };
        if (st.isDirectory()) {
          tar = packFd(src, { exclude: it.exclude });
          dir = dest;
        } else if (opts.unpackArchives && st.isFile() && isArchive(src)) {
          tar = decompressStream(
            Readable.from(fileStream(src)),
            detectCompression(head(src, 6)),
          ) as AsyncIterable<Buffer>;
          dir = dest;
          extract = { ...ids, keepOwners: true };
        } else {
          const intoDir = opts.destIsDir || isDirIn(rootFd, dest);
          dir = intoDir ? dest : path.posix.dirname(dest);
          tar = packFd(src, { prefix: intoDir ? (it.name ?? path.posix.basename(it.rel)) : path.posix.basename(dest) });
        }
        const dirFd = ensureDirFd(rootFd, dir, opts.owner);
        try {
          await extractInto(tar, dirFd, extract);
        } finally {
          fs.closeSync(dirFd);
        }
      } finally {
        fs.closeSync(src);
      }
    }
  } finally {
    fs.closeSync(rootFd);
  }
}
