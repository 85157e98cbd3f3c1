// Directory → tar stream, as Docker's archive package writes it: entries in
// lexical walk order, directories before their contents, owners, modes, times,
// xattrs and hard links kept. For a container's overlayfs upper directory the
// overlay forms become Docker's again (0/0 character devices → `.wh.NAME`,
// opaque directories → `.wh..wh..opq`), which is how commit makes a layer.
// The tree is walked by descriptors (src/fd), so a container changing it
// meanwhile cannot make the walk follow a symlink out of it.
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errdefs';
import { O_PATH, openChild, readdirFd, reopen } from '../fd/at';
import { native } from '../native';
import { encodeHeader, END_OF_ARCHIVE, paddingFor, type EntryType } from '../tar/header';
import { OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './apply';
import { OVERLAY_XATTR_PREFIX } from './overlay-xattr';

export interface PackOptions {
  /** Translate overlayfs whiteouts and opaque directories into Docker's form. */
  overlay?: boolean;
  /** Paths (relative, no leading slash) left out with everything under them. */
  exclude?: (rel: string) => boolean;
  /** Name of the root entry, and prefix of every other (cp names the copied item so); none for layers. */
  prefix?: string;
}

const CHUNK = 1 << 20;

function readXattrs(fd: number): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = native.flistxattr(fd);
  } catch (e) {
    if (errnoCode(e) === 'ENOTSUP') return undefined;
    throw e;
  }
  const out = new Map<string, Buffer>();
  for (const n of names.sort()) {
    if (n.startsWith(OVERLAY_XATTR_PREFIX)) continue; // overlayfs bookkeeping, never image content
    const v = native.fgetxattr(fd, n);
    if (v) out.set(n, v);
  }
  return out.size ? out : undefined;
}

function typeOf(st: fs.Stats): EntryType | undefined {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets are not archived, as Docker does
}

/**
 * Tar stream of the host path `root`: a directory's contents (not the directory
 * itself unless `prefix` names it), or the one file or symlink (not followed) it is.
 */
export async function* packDir(root: string, opts: PackOptions = {}): AsyncGenerator<Buffer> {
  const fd = fs.openSync(root, O_PATH | fs.constants.O_NOFOLLOW);
  try {
    yield* packFd(fd, opts);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Tar stream of what the descriptor `fd` holds (a directory's contents, or one file
 * or link named by `prefix`). The walk goes by descriptors: each child is opened
 * relative to its directory without following it, and what is archived is what
 * that descriptor holds. A tree changed meanwhile (a directory swapped for a
 * symlink) is archived as it was met, never followed out of it.
 */
export async function* packFd(rootFd: number, opts: PackOptions = {}): AsyncGenerator<Buffer> {
  const links = new Map<string, string>(); // dev:ino -> first name, for hard links
  const prefix = opts.prefix ?? '';
  async function* entry(fd: number, rel: string): AsyncGenerator<Buffer> {
    const st = fs.fstatSync(fd);
    const type = typeOf(st);
    if (!type) return;
    const name = rel === '' ? prefix : prefix ? `${prefix}/${rel}` : rel;
    const base = path.basename(rel);
    if (opts.overlay && type === 'char' && st.rdev === 0) {
      const dir = path.dirname(rel);
      yield encodeHeader({
        name: path.posix.join(prefix, dir, `${WHITEOUT_PREFIX}${base}`),
        type: 'file',
        mode: 0o600,
        uid: st.uid,
        gid: st.gid,
        mtime: st.mtimeMs / 1000,
        size: 0,
      });
      return;
    }
    const common = {
      uid: st.uid,
      gid: st.gid,
      mode: st.mode & 0o7777,
      mtime: Math.floor(st.mtimeMs / 1000),
      xattrs: readXattrs(fd),
    };
    if (type === 'directory') {
      if (name !== '') yield encodeHeader({ ...common, name: `${name}/`, type });
      if (opts.overlay && native.fgetxattr(fd, OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
        yield encodeHeader({ name: `${name}/${OPAQUE_MARKER}`, type: 'file', mode: 0o600, mtime: 0, size: 0 });
      }
      for (const child of readdirFd(fd).sort()) {
        const childRel = rel === '' ? child : `${rel}/${child}`;
        if (opts.exclude?.(childRel)) continue;
        const cfd = openChild(fd, child);
        if (cfd === undefined) continue; // removed meanwhile
        try {
          yield* entry(cfd, childRel);
        } finally {
          fs.closeSync(cfd);
        }
      }
      return;
    }
    if (type === 'file' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first) {
        yield encodeHeader({ ...common, name, type: 'link', linkname: first });
        return;
      }
      links.set(key, name);
    }
    if (type === 'symlink') {
      yield encodeHeader({ ...common, name, type, linkname: native.readlinkat(fd, '') });
      return;
    }
    if (type === 'char' || type === 'block') {
      yield encodeHeader({
        ...common,
        name,
        type,
        devmajor: Math.floor(st.rdev / 256) & 0xfff,
        devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00),
      });
      return;
    }
    if (type === 'fifo') {
      yield encodeHeader({ ...common, name, type });
      return;
    }
    yield encodeHeader({ ...common, name, type: 'file', size: st.size });
    const rfd = reopen(fd, fs.constants.O_RDONLY); // a regular file: opening it has no side effect
    try {
      let left = st.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
        const n = fs.readSync(rfd, buf, 0, buf.length, null);
        if (n === 0) break;
        left -= n;
        yield n === buf.length ? buf : buf.subarray(0, n);
      }
      if (left > 0) yield Buffer.alloc(left); // the file shrank while being read: keep the header's promise
    } finally {
      fs.closeSync(rfd);
    }
    const pad = paddingFor(st.size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield* entry(rootFd, '');
  yield END_OF_ARCHIVE;
}
