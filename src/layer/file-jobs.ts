// New regular files of a layer being unpacked, opened (O_CREAT) on libuv's
// thread pool a bounded number at a time: creating a file is where unpacking
// spends its time on a real disk (ext4 allocating the inode), and meanwhile the
// main thread reads the next entries. Once a file is open, its body, owner,
// mode and times are written on the main thread, as for any other entry.
import fs from 'node:fs';
import { invalidArgument } from '../errdefs';
import { native } from '../native';

export interface FileJob {
  /** The entry's number in the tar: the earliest failure is the one reported. */
  seq: number;
  /** The entry's name, for errors. */
  name: string;
  path: string;
  /** Body bytes, in order (the streaming reader's, copied), or a range of `src` (the range reader's). */
  parts: Buffer[];
  range?: { src: number; offset: number; size: number };
  size: number;
  uid: number;
  gid: number;
  mode: number;
  atime: number;
  mtime: number;
}

export interface JobFailure {
  seq: number;
  name: string;
  error: unknown;
}

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

export class FileJobs {
  private active = 0;
  private bytes = 0;
  private waiters: Array<() => void> = [];
  /** The failed job that came first in the tar, if any. */
  failure: JobFailure | undefined;

  constructor(
    private readonly maxJobs: number,
    /** Buffered body bytes held by jobs in flight, at most (one larger body may wait alone). */
    private readonly maxBytes: number,
  ) {}

  get idle(): boolean {
    return this.active === 0;
  }

  /** True when a job buffering `size` bytes may start now. */
  hasRoom(size: number): boolean {
    return this.active === 0 || (this.active < this.maxJobs && this.bytes + size <= this.maxBytes);
  }

  /** Resolves once a job buffering `size` bytes may start. */
  async room(size: number): Promise<void> {
    while (!this.hasRoom(size)) await this.next();
  }

  /** Resolves once every job has finished (failed or not): nothing is written after this. */
  async settled(): Promise<void> {
    while (this.active > 0) await this.next();
  }

  start(job: FileJob): void {
    const held = job.range ? 0 : job.size;
    this.active++;
    this.bytes += held;
    fs.open(job.path, CREATE, 0o600, (openError, fd) => {
      let error: unknown = openError ?? undefined;
      if (!openError) {
        try {
          if (!this.failure) fill(fd, job);
        } catch (e) {
          error = e;
        } finally {
          try {
            fs.closeSync(fd);
          } catch (e) {
            error ??= e;
          }
        }
      }
      this.active--;
      this.bytes -= held;
      if (error !== undefined && (!this.failure || job.seq < this.failure.seq))
        this.failure = { seq: job.seq, name: job.name, error };
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Body, owner, mode and times, through the new file's descriptor (as the main thread does for a file it opens). */
function fill(fd: number, job: FileJob): void {
  if (job.range) {
    if (native.copyFileRangeAt(job.range.src, job.range.offset, fd, job.range.size) !== job.range.size)
      throw invalidArgument('archive/tar: unexpected EOF');
  }
  for (const b of job.parts) {
    let off = 0;
    while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
  }
  fs.fchownSync(fd, job.uid, job.gid);
  fs.fchmodSync(fd, job.mode); // after chown, which clears setuid bits
  fs.futimesSync(fd, job.atime, job.mtime);
}
