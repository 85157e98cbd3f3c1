// Unpacks a layer tar into a fresh directory in overlayfs's own form, records
// its tar-split, and computes its diff ID, all in one pass over the stream.
// The directory is private to this call, so what it holds is tracked in memory:
// nothing is ever written through a symlink or outside `diff/`.
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hasher, type Digest } from '../digest';
import { invalidArgument, errnoCode, StowageError } from '../errdefs';
import { native, S_IFBLK, S_IFCHR, S_IFIFO } from '../native';
import type { TarHeader } from '../tar/header';
import { readTar, readTarRange, type RangeVisitor } from '../tar/reader';
import { EntryIndex, type EntryKind } from './entry-index';
import { TarSplitBuilder } from './tar-split';
import { PoolSha256 } from '../native/pool-sha256';
import { OVERLAY_OPAQUE_XATTR, forbiddenLayerXattr } from './overlay-xattr';
import { makeNode } from './device-nodes';

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** A file at least this big has its writes started when it is closed (see native startWriteback). */
const WRITEBACK_MIN = 256 * 1024;
export { OVERLAY_OPAQUE_XATTR } from './overlay-xattr';

export interface ApplyResult {
  diffId: Digest;
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
  tarSplit: Buffer;
  /** The unpacked files' size as diffSize() counts it, when the entries told it (none replaced another). */
  size?: number;
}

export class LayerEntryError extends StowageError {
  constructor(entry: string, problem: string) {
    super('invalid-argument', `refusing layer entry ${JSON.stringify(entry)}: ${problem}`);
  }
}

/**
 * Cleans a tar entry name into a path relative to the layer root ('' is the root).
 * Absolute names and names that climb out with '..' are refused.
 */
export function cleanEntryPath(name: string): string {
  if (name.startsWith('/')) throw new LayerEntryError(name, 'absolute paths are not allowed in a layer');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw new LayerEntryError(name, 'path climbs out of the layer root');
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export interface ApplyOptions {
  /** Hash on libuv's thread pool (worth it for large layers). */
  parallelHash?: boolean;
}

export async function applyTar(
  source: AsyncIterable<Buffer>,
  layerDir: string,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const hash = opts.parallelHash ? new PoolSha256() : sha256Hasher();
  let tarSize = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const wait = hash.update(chunk);
      if (wait instanceof Promise) await wait;
      tarSize += chunk.length;
      yield chunk;
    }
  }
  const unpacked = await unpackInto(layerDir, (v) => readTar(hashed(), v));
  const diffId: Digest = hash instanceof PoolSha256 ? await hash.digest() : `sha256:${hash.digest('hex')}`;
  return { diffId, tarSize, ...unpacked };
}

/**
 * Unpacks the tar stored at [start, end) of an open file: bodies are copied in
 * the kernel (copy_file_range). Its diff ID is the caller's to hash (from the
 * same range, elsewhere: see LayerStore.unpackRange).
 */
export async function applyTarRange(
  fd: number,
  start: number,
  end: number,
  layerDir: string,
): Promise<Omit<ApplyResult, 'diffId'>> {
  return { tarSize: end - start, ...(await unpackInto(layerDir, (v) => readTarRange(fd, start, end, v))) };
}

/**
 * This process's umask, from /proc (process.umask() can only read it by setting it twice, a race
 * with any thread creating files meanwhile); when unknown, every bit: modes are then always set.
 */
function processUmask(): number {
  const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? parseInt(m[1], 8) : 0o777;
}

/** The unpacking itself, fed by either reader; returns the tar-split and, when it can tell, the files' size. */
async function unpackInto(
  layerDir: string,
  read: (v: RangeVisitor) => Promise<void>,
): Promise<{ tarSplit: Buffer; size?: number }> {
  const diffDir = path.join(layerDir, 'diff');
  fs.mkdirSync(diffDir, { recursive: true, mode: 0o755 });
  // A regular file is created with its mode and skips fchown and fchmod (two of its six calls, on
  // 5,000 files a tenth of a load) when it belongs to this process's user and group, as a new file
  // does unless a set-group-ID directory gives it that directory's group, and the umask keeps every
  // bit of its mode. (The layer directory is private to this process until it is adopted.)
  const euid = process.geteuid?.() ?? -1;
  const egid = process.getegid?.() ?? -1;
  const umask = processUmask();
  let setgidDirs = (fs.statSync(diffDir).mode & 0o2000) !== 0;
  // diffSize() of the result, counted from the entries (regular files' and symlinks' sizes; hard
  // links, devices and whiteouts add none) unless one entry replaced another: then it walks the tree
  let size: number | undefined = 0;
  const split = new TarSplitBuilder();
  const index = new EntryIndex();
  const dirTimes: Array<[string, number, number]> = [];
  let extraCount = 0;
  let fd = -1;
  let current: TarHeader | undefined;

  const abs = (rel: string) => (rel === '' ? diffDir : path.join(diffDir, rel));

  const ensureParents = (rel: string, entry: string) => {
    const parts = rel.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix === '' ? parts[i] : `${prefix}/${parts[i]}`;
      const k = index.kind(prefix);
      if (k === 'symlink')
        throw new LayerEntryError(
          entry,
          `its parent ${JSON.stringify(prefix)} is a symlink (writing through it could leave the layer)`,
        );
      if (k === undefined) {
        fs.mkdirSync(abs(prefix), 0o755);
        index.set(prefix, 'dir');
      } else if (k !== 'dir') {
        throw new LayerEntryError(entry, `its parent ${JSON.stringify(prefix)} is not a directory`);
      }
    }
  };

  // Removes what a later entry replaces; file contents still named by tar-split move aside.
  const removeExisting = (rel: string, entry: string) => {
    if (rel === '') throw new LayerEntryError(entry, 'only a directory can be the layer root');
    size = undefined;
    const named = index.remove(rel);
    if (named.length) fs.mkdirSync(path.join(layerDir, 'extra'), { recursive: true });
    for (const { rel: p, segment } of named) {
      const aside = path.join('extra', String(extraCount++));
      fs.renameSync(abs(p), path.join(layerDir, aside));
      split.repoint(segment, aside);
    }
    fs.rmSync(abs(rel), { recursive: true, force: true });
  };

  /** Owner, mode, xattrs and times; through the open descriptor of a regular file (no path lookups). */
  const setMeta = (p: string, h: TarHeader, kind: EntryKind, openFd = -1) => {
    if (openFd >= 0) {
      const owned = !setgidDirs && h.uid === euid && h.gid === egid;
      if (!owned) fs.fchownSync(openFd, h.uid, h.gid);
      // after chown, which clears setuid bits
      if (!owned || h.mode & 0o7000 || h.mode & umask) fs.fchmodSync(openFd, h.mode & 0o7777);
    } else {
      fs.lchownSync(p, h.uid, h.gid);
      if (kind !== 'symlink') fs.chmodSync(p, h.mode & 0o7777);
    }
    for (const [name, value] of h.xattrs) {
      if (forbiddenLayerXattr(name)) continue; // a layer must not forge overlayfs metadata
      try {
        native.lsetxattr(p, name, value);
      } catch (e) {
        if (errnoCode(e) !== 'ENOTSUP') throw e;
      }
    }
    const mtime = h.mtime;
    const atime = h.atime ?? mtime;
    if (kind === 'dir') dirTimes.push([p, atime, mtime]);
    else if (openFd >= 0) fs.futimesSync(openFd, atime, mtime);
    else fs.lutimesSync(p, atime, mtime);
  };

  const onEntry = (h: TarHeader) => {
    current = h;
    const rel = cleanEntryPath(h.name);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (base.startsWith(WHITEOUT_PREFIX)) {
      ensureParents(rel, h.name);
      if (base === OPAQUE_MARKER) {
        native.lsetxattr(abs(parent), OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      } else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
        const target =
          parent === '' ? base.slice(WHITEOUT_PREFIX.length) : `${parent}/${base.slice(WHITEOUT_PREFIX.length)}`;
        if (index.has(target)) removeExisting(target, h.name);
        native.mknod(abs(target), S_IFCHR, 0, 0);
        fs.lchownSync(abs(target), h.uid, h.gid);
        index.set(target, 'other');
      }
      return; // whiteout bodies (normally empty) stay in tar-split as raw bytes
    }
    if (rel !== '') ensureParents(rel, h.name);
    const existing = index.kind(rel);
    if (existing !== undefined && !(existing === 'dir' && h.type === 'directory')) removeExisting(rel, h.name);
    const p = abs(rel);
    switch (h.type) {
      case 'directory':
        if (existing !== 'dir') fs.mkdirSync(p, 0o700);
        if (h.mode & 0o2000) setgidDirs = true; // its new files take its group
        index.set(rel, 'dir');
        setMeta(p, h, 'dir');
        return;
      case 'file':
        fd = fs.openSync(
          p,
          fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
          h.mode & 0o777,
        );
        if (size !== undefined) size += h.size;
        index.set(rel, 'file', split.file(path.join('diff', rel), h.size));
        return;
      case 'symlink':
        fs.symlinkSync(h.linkname, p);
        if (size !== undefined) size += Buffer.byteLength(h.linkname);
        index.set(rel, 'symlink');
        setMeta(p, h, 'symlink');
        return;
      case 'link': {
        const target = cleanLinkTarget(h);
        const tk = index.kind(target);
        if (tk === undefined)
          throw new LayerEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} is not in this layer`);
        if (tk === 'dir')
          throw new LayerEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} is a directory`);
        checkNoSymlinkParents(target, h.name);
        fs.linkSync(abs(target), p);
        index.set(rel, tk);
        return;
      }
      case 'char':
      case 'block':
      case 'fifo': {
        const type = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
        if (!makeNode(p, type | (h.mode & 0o777), h.devmajor, h.devminor)) return;
        index.set(rel, 'other');
        setMeta(p, h, 'other');
        return;
      }
    }
  };

  const cleanLinkTarget = (h: TarHeader) => {
    // As Docker, a hard link's target is taken relative to the layer root.
    const target = cleanEntryPath(h.linkname.replace(/^\/+/, ''));
    if (target === '') throw new LayerEntryError(h.name, 'hard link to the layer root');
    return target;
  };

  const checkNoSymlinkParents = (rel: string, entry: string) => {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (index.kind(parts.slice(0, i).join('/')) === 'symlink') {
        throw new LayerEntryError(
          entry,
          `hard link target passes through the symlink ${JSON.stringify(parts.slice(0, i).join('/'))}`,
        );
      }
    }
  };

  try {
    await read({
      raw: (b) => split.raw(b),
      entry: onEntry,
      data: (b) => {
        if (fd >= 0) {
          let off = 0;
          while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
        } else split.raw(b);
      },
      body: (src, offset, size) => {
        if (fd >= 0) {
          if (native.copyFileRangeAt(src, offset, fd, size) !== size)
            throw invalidArgument('archive/tar: unexpected EOF');
          return;
        }
        const b = Buffer.allocUnsafe(size); // a whiteout's (unusual) body stays in the tar-split
        fs.readSync(src, b, 0, size, offset);
        split.raw(b);
      },
      endEntry: (h) => {
        if (fd >= 0) {
          setMeta(abs(cleanEntryPath(h.name)), h, 'file', fd);
          if (h.size >= WRITEBACK_MIN) native.startWriteback(fd);
          fs.closeSync(fd);
          fd = -1;
        }
        current = undefined;
      },
    });
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    if (e instanceof StowageError) throw e;
    const where = current ? ` (entry ${JSON.stringify(current.name)})` : '';
    throw invalidArgument(`failed to unpack layer${where}: ${(e as Error).message}`, e);
  }
  for (let i = dirTimes.length - 1; i >= 0; i--) {
    const [p, at, mt] = dirTimes[i];
    fs.utimesSync(p, at, mt);
  }
  return { tarSplit: split.serialize(), size };
}

/** Disk usage as Docker counts it: sizes of all non-directories, hard links once. */
export function diffSize(dir: string): number {
  const seen = new Set<number>();
  let size = 0;
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) {
        walk(p);
        continue;
      }
      const st = fs.lstatSync(p);
      if (st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      size += st.size;
    }
  };
  walk(dir);
  return size;
}
