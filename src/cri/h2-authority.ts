// grpc-go, the CRI client of the kubelet, crictl and critest, names a unix
// socket's path as the :authority of its requests (":authority: /run/x.sock").
// Node's HTTP/2 (nghttp2) refuses that value, which is no RFC 3986 authority,
// with RST_STREAM PROTOCOL_ERROR before grpc-js sees the request. So what a
// client sends passes through this transform on its way to grpc-js: HEADERS
// (and their CONTINUATIONs) are decoded and sent on as literals, with an
// authority nghttp2 accepts ("localhost" in place of one it would refuse);
// every other frame, and everything the server sends, passes unchanged.
import { Transform, type TransformCallback } from 'node:stream';
import { encodeLiterals, HpackDecoder, type HeaderList } from './hpack';
import { invalidArgument } from '../errdefs';

const PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
/** SETTINGS_MAX_FRAME_SIZE's floor: every peer accepts frames this large. */
const MAX_FRAME = 16384;
/** a header block larger than this is refused (nghttp2 would refuse it too) */
const MAX_BLOCK = 1 << 20;

/** Characters nghttp2 accepts in :authority (RFC 3986 host, port, userinfo). */
const VALID_AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@[\]]+$/;

export function fixAuthority(headers: HeaderList): HeaderList {
  return headers.map(([n, v]) => (n === ':authority' && !VALID_AUTHORITY.test(v) ? [n, 'localhost'] : [n, v]));
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

export class AuthorityFix extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LENGTH;
  private readonly decoder = new HpackDecoder();
  private pending?: { stream: number; flags: number; priority: Buffer; fragments: Buffer[]; size: number };

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, this.buf.length);
        this.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.prefaceLeft -= n;
      }
      while (this.prefaceLeft === 0 && this.buf.length >= 9) {
        const length = this.buf.readUIntBE(0, 3);
        if (this.buf.length < 9 + length) break;
        const type = this.buf[3];
        const flags = this.buf[4];
        const stream = this.buf.readUInt32BE(5) & 0x7fffffff;
        const whole = this.buf.subarray(0, 9 + length);
        this.buf = this.buf.subarray(9 + length);
        if (type === HEADERS) this.headers(flags, stream, whole.subarray(9));
        else if (type === CONTINUATION && this.pending) this.continuation(flags, stream, whole.subarray(9));
        else this.push(whole);
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private headers(flags: number, stream: number, payload: Buffer): void {
    let p = payload;
    let pad = 0;
    if (flags & PADDED) {
      pad = p[0];
      p = p.subarray(1);
    }
    let priority = Buffer.alloc(0);
    if (flags & PRIORITY) {
      priority = Buffer.from(p.subarray(0, 5));
      p = p.subarray(5);
    }
    const fragment = Buffer.from(p.subarray(0, p.length - pad));
    this.pending = {
      stream,
      flags: flags & (END_STREAM | PRIORITY),
      priority,
      fragments: [fragment],
      size: fragment.length,
    };
    if (flags & END_HEADERS) this.flushHeaders();
  }

  private continuation(flags: number, stream: number, payload: Buffer): void {
    const p = this.pending;
    if (!p) throw invalidArgument('HTTP/2: CONTINUATION without HEADERS');
    if (stream !== p.stream) throw invalidArgument('HTTP/2: CONTINUATION of another stream');
    p.fragments.push(Buffer.from(payload));
    p.size += payload.length;
    if (p.size > MAX_BLOCK) throw invalidArgument('HTTP/2: header block too large');
    if (flags & END_HEADERS) this.flushHeaders();
  }

  private flushHeaders(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const block = encodeLiterals(fixAuthority(this.decoder.decode(Buffer.concat(p.fragments))));
    const first = Math.min(block.length, MAX_FRAME - p.priority.length);
    const last = first === block.length;
    this.push(
      frame(
        HEADERS,
        p.flags | (last ? END_HEADERS : 0),
        p.stream,
        Buffer.concat([p.priority, block.subarray(0, first)]),
      ),
    );
    for (let off = first; off < block.length; off += MAX_FRAME) {
      const end = Math.min(block.length, off + MAX_FRAME);
      this.push(frame(CONTINUATION, end === block.length ? END_HEADERS : 0, p.stream, block.subarray(off, end)));
    }
  }
}
