// Typed face of the project's N-API addon (native/stowage.c).
import path from 'node:path';
import { REPO_ROOT } from '../util/paths';

declare const sha256Handle: unique symbol;
export type Sha256Handle = { readonly [sha256Handle]: true };

export interface Native {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  lremovexattr(path: string, name: string): void;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount2(target: string, flags: number): void;
  recvFd(socketFd: number): number;
  unixSocket(path: string, listen: boolean, type: 'stream' | 'seqpacket'): number;
  accept(fd: number): number;
  resize(fd: number, rows: number, cols: number): void;
  copyFileRange(fdIn: number, fdOut: number, length: number): number;
  copyFileRangeAt(fdIn: number, offsetIn: number, fdOut: number, length: number): number;
  /** chattr +T: directories made in this one get block groups of their own (ext4); false where unsupported. */
  markTopDir(path: string): boolean;
  // Descriptors (see src/fd): every call below names at most one component relative to
  // a held directory descriptor, or resolves a path inside one taken as "/".
  /** openat2(2) (kernel 5.6+): `resolve` is RESOLVE_*; EAGAIN from a racing rename is retried. O_CLOEXEC always. */
  openat2(dirFd: number, path: string, flags: number, mode: number, resolve: number): number;
  openat(dirFd: number, name: string, flags: number, mode: number): number;
  mkdirat(dirFd: number, name: string, mode: number): void;
  unlinkat(dirFd: number, name: string, flags: number): void;
  symlinkat(target: string, dirFd: number, name: string): void;
  /** A final symlink at oldName is linked itself, never followed. */
  linkat(oldDirFd: number, oldName: string, newDirFd: number, newName: string): void;
  mknodat(dirFd: number, name: string, mode: number, major: number, minor: number): void;
  fchownat(dirFd: number, name: string, uid: number, gid: number, flags: number): void;
  /** fchmod for any descriptor, O_PATH ones too; ELOOP for a symlink. */
  fchmodAny(fd: number, mode: number): void;
  /** Times in seconds (fractions to the nanosecond). */
  utimensat(dirFd: number, name: string, atime: number, mtime: number, flags: number): void;
  readlinkat(dirFd: number, name: string): string;
  fgetxattr(fd: number, name: string): Buffer | null;
  flistxattr(fd: number): string[];
  fsetxattr(fd: number, name: string, value: Buffer): void;
  syncfs(fd: number): void;
  /** sha256 on libuv's thread pool (see pool-sha256.ts): a handle, fed buffers it holds until hashed. */
  sha256New(): Sha256Handle;
  /** Queues a buffer; returns the bytes not yet hashed. */
  sha256Update(h: Sha256Handle, b: Buffer): number;
  /** Calls `cb` once at most `atMost` bytes are waiting (at once when so already). */
  sha256Wait(h: Sha256Handle, atMost: number, cb: () => void): void;
  /** The hex digest, once nothing waits. */
  sha256Final(h: Sha256Handle): string;
  /** The hex sha256 of the bytes [start, end) of a file, read and hashed on libuv's thread pool. */
  sha256FileRange(path: string, start: number, end: number): Promise<string>;
  /** sync_file_range(SYNC_FILE_RANGE_WRITE): starts writing fd's dirty pages, without waiting; advice only. */
  startWriteback(fd: number): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon loads by path, not by import
export const native = require(path.join(REPO_ROOT, 'build', 'Release', 'stowage_native.node')) as Native;

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MNT_DETACH = 2;

export const O_PATH = 0o10000000;
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EMPTY_PATH = 0x1000;
/** openat2's resolve flags (linux/openat2.h). */
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;
