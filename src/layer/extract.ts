// Unpacks a tar into an existing directory (`cp` into a container or out onto
// the host, a build's COPY), never writing through a symlink or outside the
// directory. Everything goes by descriptor (src/fd): each directory on the way
// is opened relative to its parent without following a symlink, and every entry
// is made, owned, moded and timed relative to its directory's descriptor (or
// through its own), so a container swapping a directory for a symlink meanwhile
// makes the copy fail, never write on the host.
import fs from 'node:fs';
import { errnoCode, invalidArgument } from '../errdefs';
import { O_PATH, openChild, openChildDir, procPath, using } from '../fd/at';
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, native, S_IFBLK, S_IFCHR, S_IFIFO } from '../native';
import type { TarHeader } from '../tar/header';
import { readTar } from '../tar/reader';
import { cleanEntryPath, LayerEntryError } from './apply';
import { makeNodeAt } from './device-nodes';

export interface ExtractOptions {
  /** Keep the archive's owners (cp -a); otherwise everything belongs to uid/gid below. */
  keepOwners?: boolean;
  uid?: number;
  gid?: number;
  /** Leave setuid and setgid bits out (files copied out of a container onto the host). */
  dropSetid?: boolean;
  /** Refuse device nodes with this message (the entry's name is appended). */
  refuseDevices?: string;
}

// Directory descriptors kept open at once; more are opened again from the root when needed.
const DIR_CACHE = 256;

/**
 * Unpacks `source` into `dest`: a host directory path, or a directory descriptor
 * (which stays the caller's). Returns the bytes of file contents written.
 */
export async function extractInto(
  source: AsyncIterable<Buffer>,
  dest: string | number,
  opts: ExtractOptions = {},
): Promise<number> {
  const rootFd = typeof dest === 'number' ? dest : fs.openSync(dest, O_PATH | fs.constants.O_DIRECTORY);
  const dirs = new DirCache(rootFd);
  let fd = -1;
  let bytes = 0;
  const dirTimes: Array<[string, number]> = [];
  const owner = (h: TarHeader): [number, number] => (opts.keepOwners ? [h.uid, h.gid] : [opts.uid ?? 0, opts.gid ?? 0]);
  const modeOf = (h: TarHeader) => h.mode & (opts.dropSetid ? 0o1777 : 0o7777);

  /** The entry's directory (made if missing) and its own name; '' for the root itself. */
  const place = (name: string): { dir: number; base: string; rel: string } => {
    const rel = cleanEntryPath(name);
    const cut = rel.lastIndexOf('/');
    const dir = dirs.get(cut < 0 ? '' : rel.slice(0, cut), name);
    return { dir, base: rel.slice(cut + 1), rel };
  };
  /** Removes what is at `base` so an entry can take its place; true when a directory stays (dir over dir). */
  const replace = (dir: number, base: string, keepDir: boolean): boolean => {
    const old = openChild(dir, base);
    if (old === undefined) return false;
    const isDir = using(old, () => fs.fstatSync(old).isDirectory());
    if (isDir && keepDir) return true;
    if (isDir) throw invalidArgument(`cannot overwrite directory ${JSON.stringify(base)} with non-directory`);
    native.unlinkat(dir, base, 0);
    return false;
  };
  /** Owner and mode through a descriptor of the entry itself (O_PATH: opening it has no effect). */
  const ownAndMode = (dir: number, base: string, h: TarHeader) => {
    const [uid, gid] = owner(h);
    const efd = native.openat(dir, base, O_PATH | fs.constants.O_NOFOLLOW, 0);
    using(efd, () => {
      if (fs.fstatSync(efd).isSymbolicLink())
        throw new LayerEntryError(h.name, 'was replaced by a symlink while being written');
      native.fchownat(efd, '', uid, gid, AT_EMPTY_PATH);
      native.fchmodAny(efd, modeOf(h)); // after chown, which clears setuid bits
    });
  };

  await readTar(source, {
    entry(h) {
      dirs.trim(); // between entries: no descriptor of the cache is in use
      if (h.type === 'char' || h.type === 'block') {
        if (opts.refuseDevices) throw invalidArgument(`${opts.refuseDevices}: ${h.name}`);
      }
      const { dir, base, rel } = place(h.name);
      if (rel === '') {
        if (h.type !== 'directory')
          throw new LayerEntryError(h.name, 'only a directory can take the place of the destination directory');
        const [uid, gid] = owner(h);
        native.fchownat(rootFd, '', uid, gid, AT_EMPTY_PATH);
        native.fchmodAny(rootFd, modeOf(h));
        dirTimes.push(['', h.mtime]);
        return;
      }
      switch (h.type) {
        case 'directory':
          if (!replace(dir, base, true)) native.mkdirat(dir, base, 0o700);
          ownAndMode(dir, base, h);
          dirTimes.push([rel, h.mtime]);
          break;
        case 'file':
          replace(dir, base, false);
          fd = native.openat(
            dir,
            base,
            fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
            0o600,
          );
          break;
        case 'symlink': {
          replace(dir, base, false);
          native.symlinkat(h.linkname, dir, base);
          const [uid, gid] = owner(h);
          native.fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW);
          native.utimensat(dir, base, h.mtime, h.mtime, AT_SYMLINK_NOFOLLOW);
          break;
        }
        case 'link': {
          const target = cleanEntryPath(h.linkname);
          const cut = target.lastIndexOf('/');
          const tdir = dirs.get(cut < 0 ? '' : target.slice(0, cut), h.name);
          const tbase = target.slice(cut + 1);
          if (!target || !exists(tdir, tbase))
            throw new LayerEntryError(h.name, `hard link target ${h.linkname} is not in the archive`);
          replace(dir, base, false);
          native.linkat(tdir, tbase, dir, base);
          break;
        }
        default: {
          replace(dir, base, false);
          const type = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
          if (makeNodeAt(dir, base, type | (h.mode & 0o777), h.devmajor, h.devminor)) {
            ownAndMode(dir, base, h);
            native.utimensat(dir, base, h.mtime, h.mtime, AT_SYMLINK_NOFOLLOW);
          }
        }
      }
    },
    data(b) {
      bytes += b.length;
      let off = 0;
      while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
    },
    endEntry(h) {
      if (h.type !== 'file') return;
      const [uid, gid] = owner(h);
      fs.fchownSync(fd, uid, gid);
      fs.fchmodSync(fd, modeOf(h)); // after chown, which clears setuid bits
      fs.futimesSync(fd, h.mtime, h.mtime);
      fs.closeSync(fd);
      fd = -1;
    },
  })
    .then(() => {
      // directories last, deepest first: what was written into them changed their times
      for (const [rel, t] of dirTimes.reverse()) {
        dirs.trim();
        const dfd = dirs.get(rel, rel);
        native.utimensat(AT_FDCWD, procPath(dfd), t, t, 0);
      }
    })
    .finally(() => {
      if (fd >= 0) fs.closeSync(fd);
      dirs.close();
      if (typeof dest !== 'number') fs.closeSync(rootFd);
    });
  return bytes;
}

function exists(dir: number, name: string): boolean {
  const fd = openChild(dir, name);
  if (fd !== undefined) fs.closeSync(fd);
  return fd !== undefined;
}

/** O_PATH descriptors of the directories met so far, by path relative to the root; missing ones are made. */
class DirCache {
  private readonly open = new Map<string, number>();

  constructor(private readonly rootFd: number) {}

  get(rel: string, entry: string): number {
    if (rel === '') return this.rootFd;
    const have = this.open.get(rel);
    if (have !== undefined) return have;
    const cut = rel.lastIndexOf('/');
    const parent = this.get(cut < 0 ? '' : rel.slice(0, cut), entry);
    const name = rel.slice(cut + 1);
    let fd: number;
    try {
      fd = openChildDir(parent, name);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') throw e;
      const existing = openChild(parent, name);
      if (existing !== undefined) {
        const link = using(existing, () => fs.fstatSync(existing).isSymbolicLink());
        throw new LayerEntryError(
          entry,
          link ? `${rel} is a symlink: refusing to write through it` : `${rel} is not a directory`,
        );
      }
      native.mkdirat(parent, name, 0o755);
      fd = openChildDir(parent, name);
    }
    this.open.set(rel, fd);
    return fd;
  }

  /** Closes them all if there are too many (never while one is in use). */
  trim(): void {
    if (this.open.size >= DIR_CACHE) this.close();
  }

  close(): void {
    for (const fd of this.open.values()) fs.closeSync(fd);
    this.open.clear();
  }
}
