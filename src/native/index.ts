// Typed face of the project's N-API addon (native/stowage.c).
import path from 'node:path';
import { REPO_ROOT } from '../util/paths';

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
}

export const native: Native = require(path.join(REPO_ROOT, 'build', 'Release', 'stowage_native.node'));

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MNT_DETACH = 2;
