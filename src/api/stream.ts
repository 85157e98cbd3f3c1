// The Engine API's raw streams: Docker's stdcopy framing (an 8-byte header:
// stream 1 or 2, three zero bytes, the big-endian length) for the output of
// containers without a terminal, and the hijacked connection that attach and
// exec start switch to (101 UPGRADED, then raw bytes both ways).
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';

export const STDOUT = 1;
export const STDERR = 2;

export function frame(stream: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

/** A writable that puts what it gets onto `out`, framed for `stream` (or as is with a terminal). */
export function framed(out: Duplex | NodeJS.WritableStream, stream: number, raw: boolean): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length === 0 || (out as Duplex).destroyed) {
        cb();
        return;
      } // (a client gone: nothing to wait for)
      const ok = out.write(raw ? chunk : frame(stream, chunk));
      if (ok) cb();
      else out.once('drain', () => cb());
    },
  });
}

const hijacked = new WeakSet<Duplex>();

/** Whether the socket already answered 101 (an error then can only close it). */
export function wasHijacked(socket: Duplex): boolean {
  return hijacked.has(socket);
}

/** Answers an upgrade request: from now on the socket carries the stream. */
export function hijack(socket: Duplex, multiplexed: boolean): void {
  hijacked.add(socket);
  socket.write(
    'HTTP/1.1 101 UPGRADED\r\n' +
      `Content-Type: application/vnd.docker.${multiplexed ? 'multiplexed' : 'raw'}-stream\r\n` +
      'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
}
