// Durability before a database row names a file: after a power cut, a layer
// or blob row must never point at a truncated file or a directory whose rename
// was lost. Data is flushed before the rename that publishes it, and the
// directory holding the new name is flushed before the row commits.
import fs from 'node:fs';
import { native } from './index';

/** Flushes every file of the filesystem holding `p` (one syncfs: cheaper than a fsync per file of a layer). */
export function syncFilesystemOf(p: string): void {
  const fd = fs.openSync(p, fs.constants.O_RDONLY);
  try {
    native.syncfs(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a directory's entries (a rename or link made in it). */
export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
