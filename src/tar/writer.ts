// Writes a tar stream entry by entry to a sink, with fixed owners and modes so
// the same content always gives the same bytes.
import fs from 'node:fs';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from './header';

export interface Sink {
  write(b: Buffer): void | Promise<void>;
  /** Whether write() is done with a buffer when it returns (so that the caller may fill it again). */
  readonly doneWithBuffers?: boolean;
  /** Called once everything is written. */
  close(): void | Promise<void>;
}

/** A file descriptor written synchronously: the fastest path for `-o FILE`. */
export function fdSink(fd: number): Sink {
  return {
    doneWithBuffers: true,
    write(b) {
      let off = 0;
      while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
    },
    close() {},
  };
}

/** A stream (stdout, an HTTP response) written with back-pressure. */
export function streamSink(s: NodeJS.WritableStream): Sink {
  return {
    write(b) {
      if (!s.write(b)) return new Promise<void>((resolve) => s.once('drain', () => resolve()));
    },
    close() {},
  };
}

export class TarWriter {
  constructor(private readonly sink: Sink) {}

  async dir(name: string, mtime: number): Promise<void> {
    await this.sink.write(encodeHeader({ name, type: 'directory', mode: 0o755, mtime }));
  }

  async file(name: string, data: Buffer, mtime: number): Promise<void> {
    await this.sink.write(encodeHeader({ name, type: 'file', mode: 0o644, size: data.length, mtime }));
    await this.sink.write(data);
    const pad = paddingFor(data.length);
    if (pad) await this.sink.write(Buffer.alloc(pad));
  }

  /** A file of `size` bytes whose body `write` puts into the sink itself. */
  async entry(name: string, size: number, mtime: number, write: (sink: Sink) => Promise<void>): Promise<void> {
    await this.sink.write(encodeHeader({ name, type: 'file', mode: 0o644, size, mtime }));
    await write(this.sink);
    const pad = paddingFor(size);
    if (pad) await this.sink.write(Buffer.alloc(pad));
  }

  async end(): Promise<void> {
    await this.sink.write(END_OF_ARCHIVE);
    await this.sink.close();
  }
}
