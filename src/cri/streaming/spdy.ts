// The server side of SPDY/3.1 as the kubelet's streaming client speaks it
// (k8s.io/apimachinery's httpstream/spdy over moby/spdystream): after an HTTP
// upgrade the client opens streams (SYN_STREAM, with headers such as
// "streamtype: stdout"), each answered at once with an empty SYN_REPLY; data
// flows in DATA frames, a FIN flag ends a direction, RST_STREAM ends a stream.
//
// Frames (SPDY/3): control frames start with the control bit, version 3 and a
// type; data frames with a 31-bit stream ID. Header blocks are zlib-compressed
// with the SPDY dictionary as one stream per direction. Incoming blocks are
// inflated by inflating everything received so far (a few hundred bytes per
// connection); outgoing blocks are sent as stored (uncompressed) deflate blocks
// of one zlib stream, which any inflater reads. spdystream does no flow
// control: WINDOW_UPDATE and SETTINGS are read and ignored, none are sent.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { SPDY_DICTIONARY } from './spdy-dictionary';
import { invalidArgument } from '../../errdefs';

const VERSION = 3;
export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
const HEADERS = 8;
const WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
/** the largest DATA frame payload we send */
const MAX_DATA = 32 * 1024;
/** compressed header bytes a connection may send in all */
const MAX_HEADER_BYTES = 256 * 1024;

export type SpdyHeaders = Record<string, string>;

/** A header block (uncompressed): count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const kb = Buffer.from(k.toLowerCase());
    const vb = Buffer.from(v);
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(buf: Buffer): SpdyHeaders {
  let pos = 0;
  const u32 = () => {
    if (pos + 4 > buf.length) throw invalidArgument('SPDY: truncated header block');
    const n = buf.readUInt32BE(pos);
    pos += 4;
    return n;
  };
  const bytes = (n: number) => {
    if (pos + n > buf.length) throw invalidArgument('SPDY: truncated header block');
    const s = buf.subarray(pos, pos + n).toString();
    pos += n;
    return s;
  };
  const out: SpdyHeaders = {};
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = bytes(u32()).toLowerCase();
    out[name] = bytes(u32()).split('\0')[0];
  }
  return out;
}

/**
 * Outgoing header blocks as stored deflate blocks of one zlib stream, each
 * followed by an empty stored block, as a sync flush ends one: an inflater
 * (Go's, for one) hands out a stored block's bytes only when the next block begins.
 */
export class HeaderCompressor {
  private started = false;
  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(Buffer.from([0x78, 0x01])); // deflate, 32 KiB window, no preset dictionary
      this.started = true;
    }
    for (let off = 0; off < block.length || off === 0; off += 0xffff) {
      const piece = block.subarray(off, off + 0xffff);
      const h = Buffer.alloc(5);
      h[0] = 0x00; // not final, stored
      h.writeUInt16LE(piece.length, 1);
      h.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(h, piece);
      if (piece.length === 0) break;
    }
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])); // the sync flush marker
    return Buffer.concat(parts);
  }
}

/** Incoming header blocks: one zlib stream (with the SPDY dictionary) across frames. */
export class HeaderDecompressor {
  private received = Buffer.alloc(0);
  private produced = 0;
  decompress(compressed: Buffer): Buffer {
    this.received = Buffer.concat([this.received, compressed]);
    if (this.received.length > MAX_HEADER_BYTES) throw invalidArgument('SPDY: too many header bytes');
    const out = zlib.inflateSync(this.received, {
      dictionary: SPDY_DICTIONARY,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    const block = out.subarray(this.produced);
    this.produced = out.length;
    return block;
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function dataFrame(stream: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(stream & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([h, data]);
}

/** One SPDY stream: readable = what the client sends on it, writable = what we send. */
export class SpdyStream extends Duplex {
  private remoteDone = false;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    // data is pushed as frames arrive
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    for (let off = 0; off < chunk.length; off += MAX_DATA)
      this.conn.send(dataFrame(this.id, 0, chunk.subarray(off, off + MAX_DATA)));
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.conn.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    cb();
  }

  /** Frames from the client. */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteDone) return;
    if (data.length) this.push(data);
    if (fin) {
      this.remoteDone = true;
      this.push(null);
    }
  }

  /** The client reset the stream, or the connection went: nothing more comes. */
  abort(): void {
    if (!this.remoteDone) {
      this.remoteDone = true;
      this.push(null);
    }
  }

  /** Ends the stream at once (RST_STREAM CANCEL). */
  reset(): void {
    this.conn.resetStream(this.id);
    this.abort();
    this.destroy();
  }
}

/**
 * A server connection over an upgraded socket. Emits 'stream' for each stream
 * the client opens (already replied to) and 'close' when the connection ends.
 */
export class SpdyConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    head: Buffer = Buffer.alloc(0),
  ) {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.on('end', () => this.destroy());
    if (head.length) setImmediate(() => this.onData(head));
  }

  send(frame: Buffer): void {
    if (!this.closed && !this.socket.destroyed && this.socket.writable) this.socket.write(frame);
  }

  resetStream(id: number, status = 5 /* CANCEL */): void {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(id & 0x7fffffff, 0);
    p.writeUInt32BE(status, 4);
    this.send(controlFrame(RST_STREAM, 0, p));
    this.streams.delete(id);
  }

  /** GOAWAY, then the socket is ended once the client has closed its side (or after a while). */
  close(): void {
    if (this.closed) return;
    const p = Buffer.alloc(8);
    p.writeUInt32BE(Math.max(0, ...this.streams.keys()) & 0x7fffffff, 0);
    this.send(controlFrame(GOAWAY, 0, p));
    this.socket.end();
    const timer = setTimeout(() => this.destroy(), 10_000);
    timer.unref();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.abort();
    this.streams.clear();
    this.socket.destroy();
    this.emit('close');
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    try {
      while (this.buf.length >= 8) {
        const length = this.buf.readUInt32BE(4) & 0xffffff;
        if (this.buf.length < 8 + length) return;
        const frame = this.buf.subarray(0, 8 + length);
        this.buf = this.buf.subarray(8 + length);
        this.onFrame(frame);
      }
    } catch {
      this.destroy(); // a client that does not speak SPDY/3: nothing to say to it
    }
  }

  private onFrame(frame: Buffer): void {
    const flags = frame[4];
    const payload = frame.subarray(8);
    if ((frame[0] & 0x80) === 0) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      this.streams.get(id)?.receive(Buffer.from(payload), (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = frame.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(this.inflater.decompress(payload.subarray(10)));
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        const reply = Buffer.alloc(4);
        reply.writeUInt32BE(id, 0);
        this.send(controlFrame(SYN_REPLY, 0, Buffer.concat([reply, this.deflater.compress(encodeHeaderBlock({}))])));
        if (flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        this.emit('stream', stream);
        return;
      }
      case RST_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        this.streams.delete(id);
        s?.abort();
        return;
      }
      case PING:
        this.send(frame); // answered with the same frame
        return;
      case GOAWAY:
        this.destroy();
        return;
      case HEADERS:
        this.inflater.decompress(payload.subarray(4)); // keeps the zlib stream in step; nothing to do with them
        return;
      case SETTINGS:
      case WINDOW_UPDATE:
      default:
        return;
    }
  }
}
