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
import { decompressStream, detectCompression } from '../archive/decompress';
import { resolveContainerPath } from '../container/paths';
import { invalidArgument } from '../errdefs';
import { extractInto } from '../layer/extract';
import { packDir } from '../layer/pack';
import { resolveUser } from '../runtime/user';

export interface CopyItem {
  /** Host path of a source file or directory. */
  host: string;
  /** Its name in a destination directory (default: the host path's). */
  name?: string;
  /** Leaves out paths under a directory source (relative to it): .dockerignore. */
  exclude?: (rel: string) => boolean;
}

export interface Owner {
  uid: number;
  gid: number;
}

/** Adds a file's bytes to a hash a megabyte at a time (files of any size, in constant memory). */
function hashFile(h: Hash, file: string): void {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** `file:`, `dir:` or `multi:` and a hash of the sources' names, modes, owners and contents (not times): the cache key. */
export function sourcesDigest(items: CopyItem[]): string {
  const h = createHash('sha256');
  const walk = (abs: string, rel: string, exclude?: (rel: string) => boolean) => {
    const st = fs.lstatSync(abs);
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (st.isSymbolicLink()) h.update(fs.readlinkSync(abs));
    else if (st.isFile()) hashFile(h, abs);
    else if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        if (!exclude?.(r)) walk(path.join(abs, name), r, exclude);
      }
    }
    h.update('\0');
  };
  for (const it of items) walk(it.host, '', it.exclude);
  const kind = items.length > 1 ? 'multi' : fs.lstatSync(items[0].host).isDirectory() ? 'dir' : 'file';
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
    throw invalidArgument(`${prefix}: can't find uid for user ${user}: no such user: ${user}`);
  }
  // without a group Docker looks up the user's own string as the group (a number stands for itself)
  const g = group ?? user;
  try {
    return { uid, gid: resolveUser(rootfs, `${uid}:${g}`).gid };
  } catch {
    throw invalidArgument(`${prefix}: can't find gid for group ${g}: no such group: ${g}`);
  }
}

/** Host path of container directory `cpath`, made (each missing part owned by `owner`) if it is not there. */
export function ensureDir(rootfs: string, cpath: string, owner: Owner): string {
  let cur = '/';
  let host = rootfs;
  for (const part of cpath.split('/').filter(Boolean)) {
    cur = path.posix.join(cur, part);
    host = resolveContainerPath(rootfs, [], cur, true);
    const st = fs.statSync(host, { throwIfNoEntry: false });
    if (!st) {
      fs.mkdirSync(host, { mode: 0o755 });
      fs.chownSync(host, owner.uid, owner.gid);
    } else if (!st.isDirectory()) {
      throw invalidArgument(`cannot copy to ${cpath}: ${cur} is not a directory`);
    }
  }
  return host;
}

function isDirIn(rootfs: string, cpath: string): boolean {
  try {
    return fs.statSync(resolveContainerPath(rootfs, [], cpath, true)).isDirectory();
  } catch {
    return false;
  }
}

async function* fileStream(p: string): AsyncGenerator<Buffer> {
  yield* fs.createReadStream(p, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
}

/** A local tar archive (plain or compressed), which ADD unpacks instead of copying. */
function isArchive(p: string): boolean {
  const fd = fs.openSync(p, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    if (detectCompression(head.subarray(0, n)) !== 'none') return true;
    return n === 512 && head.toString('latin1', 257, 262) === 'ustar';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies the sources to container path `dest` (already absolute) inside `rootfs`.
 * `destIsDir`: the destination ends with "/" (or several sources were given).
 */
export async function copyInto(rootfs: string, items: CopyItem[], dest: string, opts: { destIsDir: boolean; owner: Owner; unpackArchives: boolean; instruction: string }): Promise<void> {
  if (items.length > 1 && !opts.destIsDir) {
    throw invalidArgument(`When using ${opts.instruction} with more than one source file, the destination must be a directory and end with a /`);
  }
  const ids = { uid: opts.owner.uid, gid: opts.owner.gid };
  for (const it of items) {
    const st = fs.statSync(it.host);
    if (st.isDirectory()) {
      await extractInto(packDir(it.host, { exclude: it.exclude }), ensureDir(rootfs, dest, opts.owner), ids);
    } else if (opts.unpackArchives && isArchive(it.host)) {
      const fd = fs.openSync(it.host, 'r');
      const head = Buffer.alloc(6);
      fs.readSync(fd, head, 0, 6, 0);
      fs.closeSync(fd);
      const tar = decompressStream(Readable.from(fileStream(it.host)), detectCompression(head));
      await extractInto(tar as AsyncIterable<Buffer>, ensureDir(rootfs, dest, opts.owner), { keepOwners: true });
    } else {
      const intoDir = opts.destIsDir || isDirIn(rootfs, dest);
      const dir = intoDir ? dest : path.posix.dirname(dest);
      const name = intoDir ? (it.name ?? path.basename(it.host)) : path.posix.basename(dest);
      await extractInto(packDir(it.host, { prefix: name }), ensureDir(rootfs, dir, opts.owner), ids);
    }
  }
}
