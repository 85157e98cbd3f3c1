// `-o FILE` for save and export: written beside the target under a temporary
// name and renamed into place, so no half archive ever carries the real name.
// Targets that are not regular files (a device such as /dev/null, a FIFO) are
// refused as the docker CLI refuses them, never replaced.
import fs from 'node:fs';
import path from 'node:path';
import { cliError } from '../../errdefs';

export interface OutputFile {
  fd: number;
  /** Moves the finished file into place. */
  commit(): void;
  /** Removes the temporary file. */
  abort(): void;
}

export function checkOutputPath(file: string, verb: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir))
    throw cliError(`failed to ${verb}: invalid output path: stat ${dir}: no such file or directory`);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.isFile()) return;
  if (st.isDirectory()) throw cliError(`failed to ${verb}: invalid output path: "${file}" is a directory`);
  if (st.isCharacterDevice()) throw cliError(`failed to ${verb}: cannot write to a character device file`);
  if (st.isBlockDevice()) throw cliError(`failed to ${verb}: cannot write to a block device file`);
  throw cliError(`failed to ${verb}: cannot write to an irregular file`);
}

export function openOutput(file: string, verb: string): OutputFile {
  checkOutputPath(file, verb);
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (e) {
    throw cliError(`failed to ${verb}: invalid output path: ${(e as Error).message}`);
  }
  let open = true;
  const close = () => {
    if (open) fs.closeSync(fd);
    open = false;
  };
  return {
    fd,
    commit() {
      close();
      fs.renameSync(tmp, file);
    },
    abort() {
      close();
      fs.rmSync(tmp, { force: true });
    },
  };
}
