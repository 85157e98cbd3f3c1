// Tar header blocks: decoding (ustar, GNU, PAX) and encoding (PAX where needed).
// Hand-written because stowage must keep every header's raw bytes to rebuild
// layers byte for byte (tar-split); tar-stream parses but does not expose them.
import { invalidArgument } from '../errdefs';

export const BLOCK = 512;

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  linkname: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional with PAX). */
  mtime: number;
  atime?: number;
  devmajor: number;
  devminor: number;
  uname: string;
  gname: string;
  /** Extended attributes from PAX SCHILY.xattr.* records. */
  xattrs: Map<string, Buffer>;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};
const TYPEFLAGS: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

/** Header-only types carry no body whatever their size field says (as Go's archive/tar). */
export function hasBody(type: EntryType): boolean {
  return type === 'file';
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cstring(b: Buffer, off: number, len: number): Buffer {
  const end = b.indexOf(0, off);
  return b.subarray(off, end < 0 || end > off + len ? off + len : end);
}

function parseNumber(b: Buffer, off: number, len: number, field: string): number {
  if (b[off] & 0x80) {
    // base-256 (GNU): big-endian two's complement, top bit is the marker
    let v = 0;
    const negative = (b[off] & 0x40) !== 0;
    for (let i = 0; i < len; i++) {
      const byte = i === 0 ? b[off] & 0x7f : b[off + i];
      v = v * 256 + (negative ? byte ^ 0xff : byte);
    }
    return negative ? -(v + 1) : v;
  }
  const s = cstring(b, off, len).toString('latin1').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw invalidArgument(`archive/tar: invalid tar header: bad ${field} field "${s}"`);
  return parseInt(s, 8);
}

function checksumOk(b: Buffer): boolean {
  const stored = parseNumber(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

export interface RawHeader {
  typeflag: string;
  name: Buffer;
  linkname: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  prefix: Buffer;
  ustar: boolean;
}

/** Decodes one 512-byte header block; throws on a bad checksum or number. */
export function decodeBlock(b: Buffer): RawHeader {
  if (!checksumOk(b)) throw invalidArgument('archive/tar: invalid tar header (checksum mismatch)');
  const magic = b.toString('latin1', 257, 263);
  const ustar = magic === 'ustar\0';
  return {
    typeflag: String.fromCharCode(b[156]),
    name: cstring(b, 0, 100),
    linkname: cstring(b, 157, 100),
    mode: parseNumber(b, 100, 8, 'mode'),
    uid: parseNumber(b, 108, 8, 'uid'),
    gid: parseNumber(b, 116, 8, 'gid'),
    size: parseNumber(b, 124, 12, 'size'),
    mtime: parseNumber(b, 136, 12, 'mtime'),
    uname: cstring(b, 265, 32).toString('utf8'),
    gname: cstring(b, 297, 32).toString('utf8'),
    devmajor: ustar || magic === 'ustar ' ? parseNumber(b, 329, 8, 'devmajor') : 0,
    devminor: ustar || magic === 'ustar ' ? parseNumber(b, 337, 8, 'devminor') : 0,
    prefix: ustar ? cstring(b, 345, 155) : Buffer.alloc(0),
    ustar,
  };
}

/** Parses PAX extended header records ("%d key=value\n"). */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break;
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw invalidArgument('archive/tar: invalid PAX record');
    const len = parseInt(data.toString('latin1', off, sp), 10);
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length || data[off + len - 1] !== 0x0a) {
      throw invalidArgument('archive/tar: invalid PAX record');
    }
    const rec = data.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw invalidArgument('archive/tar: invalid PAX record');
    out.set(rec.toString('utf8', 0, eq), rec.subarray(eq + 1));
    off += len;
  }
  return out;
}

function utf8Name(b: Buffer, what: string): string {
  const s = b.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(b)) {
    throw invalidArgument(`archive/tar: ${what} ${JSON.stringify(b.toString('latin1'))} is not valid UTF-8`);
  }
  return s;
}

/** Combines a header block with preceding PAX / GNU long-name data into one header. */
export function resolveHeader(
  raw: RawHeader,
  pax: Map<string, Buffer> | undefined,
  longName?: Buffer,
  longLink?: Buffer,
): TarHeader {
  const type = TYPES[raw.typeflag];
  if (type === undefined) {
    throw invalidArgument(
      `archive/tar: unsupported entry type ${JSON.stringify(raw.typeflag)} for ${raw.name.toString('utf8')}`,
    );
  }
  let nameBuf =
    longName ?? (raw.prefix.length > 0 ? Buffer.concat([raw.prefix, Buffer.from('/'), raw.name]) : raw.name);
  let linkBuf = longLink ?? raw.linkname;
  const h: TarHeader = {
    name: '',
    linkname: '',
    type,
    mode: raw.mode,
    uid: raw.uid,
    gid: raw.gid,
    size: raw.size,
    mtime: raw.mtime,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    uname: raw.uname,
    gname: raw.gname,
    xattrs: new Map(),
  };
  if (pax) {
    for (const [k, v] of pax) {
      const s = () => v.toString('utf8');
      switch (k) {
        case 'path':
          nameBuf = v;
          break;
        case 'linkpath':
          linkBuf = v;
          break;
        case 'size':
          h.size = parseInt(s(), 10);
          break;
        case 'uid':
          h.uid = parseInt(s(), 10);
          break;
        case 'gid':
          h.gid = parseInt(s(), 10);
          break;
        case 'uname':
          h.uname = s();
          break;
        case 'gname':
          h.gname = s();
          break;
        case 'mtime':
          h.mtime = parseFloat(s());
          break;
        case 'atime':
          h.atime = parseFloat(s());
          break;
        default:
          if (k.startsWith('SCHILY.xattr.')) h.xattrs.set(k.slice('SCHILY.xattr.'.length), v);
          else if (k.startsWith('GNU.sparse.')) throw invalidArgument('archive/tar: sparse files are not supported');
      }
    }
    if (!Number.isFinite(h.size) || h.size < 0) throw invalidArgument('archive/tar: invalid PAX size');
  }
  h.name = utf8Name(nameBuf, 'file name');
  h.linkname = utf8Name(linkBuf, 'link name');
  return h;
}

// ---- encoding ----

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function padTo(buf: Buffer): Buffer {
  const rem = buf.length % BLOCK;
  return rem === 0 ? buf : Buffer.concat([buf, Buffer.alloc(BLOCK - rem)]);
}

function block(h: {
  name: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: Buffer;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  prefix?: Buffer;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  h.name.copy(b, 0, 0, 100);
  b.write(octal(h.mode & 0o7777, 8), 100, 'latin1');
  b.write(octal(h.uid, 8), 108, 'latin1');
  b.write(octal(h.gid, 8), 116, 'latin1');
  b.write(octal(h.size, 12), 124, 'latin1');
  b.write(octal(Math.floor(h.mtime), 12), 136, 'latin1');
  b.write(h.typeflag, 156, 'latin1');
  h.linkname.copy(b, 157, 0, 100);
  b.write('ustar\x0000', 257, 'latin1');
  b.write(h.uname.slice(0, 31), 265, 'utf8');
  b.write(h.gname.slice(0, 31), 297, 'utf8');
  b.write(octal(h.devmajor, 8), 329, 'latin1');
  b.write(octal(h.devminor, 8), 337, 'latin1');
  if (h.prefix) h.prefix.copy(b, 345, 0, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}

export interface EntryInput {
  name: string;
  type: EntryType;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  uname?: string;
  gname?: string;
  xattrs?: Map<string, Buffer>;
}

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

/**
 * Encodes the header blocks for one entry as Go's archive/tar does for Docker:
 * USTAR when everything fits (using the prefix field for long paths), PAX
 * records for long or non-ASCII names, big numbers and xattrs.
 */
export function encodeHeader(e: EntryInput): Buffer {
  const pax: Buffer[] = [];
  const nameBuf = Buffer.from(e.name, 'utf8');
  const linkBuf = Buffer.from(e.linkname ?? '', 'utf8');
  const ascii = (b: Buffer) => b.every((c) => c < 0x80);
  let name: Buffer = nameBuf;
  let prefix: Buffer | undefined;
  if (nameBuf.length > 100 || !ascii(nameBuf)) {
    const split = ascii(nameBuf) ? splitUstarPath(nameBuf) : undefined;
    if (split) {
      [prefix, name] = split;
    } else {
      pax.push(paxRecord('path', nameBuf));
      name = Buffer.from(asciiFallback(e.name).slice(0, 100), 'latin1');
    }
  }
  let link: Buffer = linkBuf;
  if (linkBuf.length > 100 || !ascii(linkBuf)) {
    pax.push(paxRecord('linkpath', linkBuf));
    link = Buffer.from(asciiFallback(e.linkname ?? '').slice(0, 100), 'latin1');
  }
  const uid = e.uid ?? 0;
  const gid = e.gid ?? 0;
  const size = e.type === 'file' ? (e.size ?? 0) : 0;
  if (uid > MAX_OCTAL_8) pax.push(paxRecord('uid', Buffer.from(String(uid))));
  if (gid > MAX_OCTAL_8) pax.push(paxRecord('gid', Buffer.from(String(gid))));
  if (size > MAX_OCTAL_12) pax.push(paxRecord('size', Buffer.from(String(size))));
  for (const [k, v] of e.xattrs ?? []) pax.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = block({
    name,
    prefix,
    mode: e.mode,
    uid: Math.min(uid, MAX_OCTAL_8),
    gid: Math.min(gid, MAX_OCTAL_8),
    size: Math.min(size, MAX_OCTAL_12),
    mtime: e.mtime,
    typeflag: TYPEFLAGS[e.type],
    linkname: link,
    uname: e.uname ?? '',
    gname: e.gname ?? '',
    devmajor: e.devmajor ?? 0,
    devminor: e.devminor ?? 0,
  });
  if (pax.length === 0) return main;
  const paxData = Buffer.concat(pax);
  const dir = e.name.includes('/') ? e.name.slice(0, e.name.lastIndexOf('/')) : '.';
  const base = e.name.slice(e.name.lastIndexOf('/') + 1);
  const paxName = Buffer.from(asciiFallback(`${dir}/PaxHeaders.0/${base}`).slice(0, 100), 'latin1');
  const paxHead = block({
    name: paxName,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: paxData.length,
    mtime: e.mtime,
    typeflag: 'x',
    linkname: Buffer.alloc(0),
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHead, padTo(paxData), main]);
}

function splitUstarPath(b: Buffer): [Buffer, Buffer] | undefined {
  if (b.length > 256) return undefined;
  for (let i = Math.max(0, b.length - 101); i < Math.min(b.length, 156); i++) {
    if (b[i] === 0x2f && i > 0 && b.length - i - 1 <= 100 && b.length - i - 1 > 0) {
      return [b.subarray(0, i), b.subarray(i + 1)];
    }
  }
  return undefined;
}

function asciiFallback(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '');
}

/** Bytes that pad a body of `size` to a whole block. */
export function paddingFor(size: number): number {
  const rem = size % BLOCK;
  return rem === 0 ? 0 : BLOCK - rem;
}

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
