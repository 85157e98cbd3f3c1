// Small archive members (configs, manifests, tiny layers) wait here until the
// manifest, often written last, says what they are. They are kept in memory up
// to a budget for all of them together; past it they go to temporary files in
// the store, and members of an archive file are read from it again when asked
// for. So a load holds a bounded amount of memory whatever the members are.
import fs from 'node:fs';
import { failedPrecondition } from '../errdefs';

/** What all kept members may take in memory together. */
export const MEMORY_BUDGET = 16 << 20;

const CHUNK = 1 << 20;

export interface MemberData {
  readonly size: number;
  /** The whole content (read again from a file each time when it is there). */
  bytes(): Buffer;
  chunks(): AsyncIterable<Buffer>;
}

/** A member's content being received chunk by chunk. */
export interface MemberWriter {
  write(b: Buffer): void;
  end(): MemberData;
}

function fileData(file: string, offset: number, size: number): MemberData {
  return {
    size,
    bytes() {
      const fd = fs.openSync(file, 'r');
      try {
        const b = Buffer.alloc(size);
        let n = 0;
        while (n < size) {
          const r = fs.readSync(fd, b, n, size - n, offset + n);
          if (r === 0) throw failedPrecondition(`${file} is shorter than expected`);
          n += r;
        }
        return b;
      } finally {
        fs.closeSync(fd);
      }
    },
    chunks() {
      return size === 0
        ? (async function* () {})()
        : (fs.createReadStream(file, {
            start: offset,
            end: offset + size - 1,
            highWaterMark: CHUNK,
          }) as AsyncIterable<Buffer>);
    },
  };
}

function memoryData(bytes: Buffer): MemberData {
  return {
    size: bytes.length,
    bytes: () => bytes,
    async *chunks() {
      yield bytes;
    },
  };
}

export class MemberHold {
  private used = 0;
  private readonly files: string[] = [];
  private readonly open = new Set<number>();

  /** `tmpPath` names a fresh temporary file in the store. */
  constructor(
    private readonly tmpPath: () => string,
    private readonly budget = MEMORY_BUDGET,
  ) {}

  /** A member of `size` bytes arriving in chunks: memory while the budget lasts, else a temporary file. */
  start(size: number): MemberWriter {
    if (this.used + size <= this.budget) {
      this.used += size;
      const chunks: Buffer[] = [];
      return { write: (b) => chunks.push(Buffer.from(b)), end: () => memoryData(Buffer.concat(chunks)) };
    }
    const file = this.tmpPath();
    this.files.push(file);
    const fd = fs.openSync(file, 'wx', 0o600);
    this.open.add(fd);
    let written = 0;
    return {
      write: (b) => {
        for (let off = 0; off < b.length;) off += fs.writeSync(fd, b, off, b.length - off);
        written += b.length;
      },
      end: () => {
        this.open.delete(fd);
        fs.closeSync(fd);
        return fileData(file, 0, written);
      },
    };
  }

  /** A member that stays where it is, at [offset, offset + size) of an archive file. */
  inFile(file: string, offset: number, size: number): MemberData {
    return fileData(file, offset, size);
  }

  /** Removes the temporary files. */
  dispose(): void {
    for (const fd of this.open) fs.closeSync(fd);
    this.open.clear();
    for (const f of this.files.splice(0)) fs.rmSync(f, { force: true });
  }
}
