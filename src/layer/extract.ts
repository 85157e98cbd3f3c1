// Unpacks a tar into an existing directory (`cp` into a container, or onto the
// host), never writing through a symlink or outside the directory: names are
// cleaned, and every existing component on the way is checked with lstat.
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../errdefs';
import { S_IFBLK, S_IFCHR, S_IFIFO } from '../native';
import type { TarHeader } from '../tar/header';
import { readTar } from '../tar/reader';
import { cleanEntryPath, LayerEntryError } from './apply';
import { makeNode } from './device-nodes';

export interface ExtractOptions {
  /** Keep the archive's owners (cp -a); otherwise everything belongs to uid/gid below. */
  keepOwners?: boolean;
  uid?: number;
  gid?: number;
}

export async function extractInto(source: AsyncIterable<Buffer>, dest: string, opts: ExtractOptions = {}): Promise<number> {
  let fd = -1;
  let bytes = 0;
  const dirTimes: Array<[string, number]> = [];
  const safePath = (name: string): string => {
    const rel = cleanEntryPath(name);
    let cur = dest;
    const parts = rel ? rel.split('/') : [];
    for (let i = 0; i < parts.length - 1; i++) {
      cur = path.join(cur, parts[i]);
      const st = fs.lstatSync(cur, { throwIfNoEntry: false });
      if (!st) fs.mkdirSync(cur, 0o755);
      else if (st.isSymbolicLink()) throw new LayerEntryError(name, `${parts.slice(0, i + 1).join('/')} is a symlink: refusing to write through it`);
      else if (!st.isDirectory()) throw new LayerEntryError(name, `${parts.slice(0, i + 1).join('/')} is not a directory`);
    }
    return rel ? path.join(dest, rel) : dest;
  };
  const owner = (h: TarHeader) => (opts.keepOwners ? [h.uid, h.gid] : [opts.uid ?? 0, opts.gid ?? 0]);
  const replace = (p: string, keepDir: boolean) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return false;
    if (keepDir && st.isDirectory()) return true;
    if (st.isDirectory()) throw invalidArgument(`cannot overwrite directory ${p} with non-directory`);
    fs.unlinkSync(p);
    return false;
  };
  const meta = (p: string, h: TarHeader, symlink = false) => {
    const [uid, gid] = owner(h);
    fs.lchownSync(p, uid, gid);
    if (!symlink) fs.chmodSync(p, h.mode & 0o7777);
    if (h.type === 'directory') dirTimes.push([p, h.mtime]);
    else fs.lutimesSync(p, h.mtime, h.mtime);
  };
  await readTar(source, {
    entry(h) {
      const p = safePath(h.name);
      switch (h.type) {
        case 'directory':
          if (!replace(p, true)) fs.mkdirSync(p, 0o755);
          meta(p, h);
          break;
        case 'file':
          replace(p, false);
          fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
          break;
        case 'symlink':
          replace(p, false);
          fs.symlinkSync(h.linkname, p);
          meta(p, h, true);
          break;
        case 'link': {
          const target = safePath(h.linkname);
          if (!fs.lstatSync(target, { throwIfNoEntry: false })) throw new LayerEntryError(h.name, `hard link target ${h.linkname} is not in the archive`);
          replace(p, false);
          fs.linkSync(target, p);
          break;
        }
        default: {
          replace(p, false);
          const type = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
          if (makeNode(p, type | (h.mode & 0o777), h.devmajor, h.devminor)) meta(p, h);
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
      fs.closeSync(fd);
      fd = -1;
      meta(safePath(h.name), h);
    },
  }).finally(() => {
    if (fd >= 0) fs.closeSync(fd);
  });
  for (const [p, t] of dirTimes.reverse()) fs.utimesSync(p, t, t);
  return bytes;
}
