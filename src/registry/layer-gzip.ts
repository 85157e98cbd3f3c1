// A layer's tar, gzipped for a registry, as pigz and pgzip (containers/image)
// do it: cut into 1 MB segments, each deflated on its own on zlib's thread
// pool, several at once, and joined into one gzip member (each segment's raw
// deflate ends in a sync flush, so the next one starts on a byte boundary;
// one CRC over the whole, computed as the segments pass). Node's zlib streams
// deflate one chunk after another on one thread, and their params() cannot
// change the level mid-stream here (Chromium's zlib refuses it silently).
//
// The level is chosen for each segment: bytes that look random (compressed
// files, encrypted or random data: a byte entropy near 8 bits) are stored
// (level 0), the rest deflated at gzip's default level (Docker's). Deflating
// random data finds nothing and costs the most: zlib spends 4 s of CPU on
// 200 MB of it at its fastest level, to save nothing.
//
// Segment boundaries and levels depend only on the layer's bytes: the same
// layer always gives the same blob, and digest.
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw } from 'node:zlib';

/** Bytes deflated at a time. */
const SEGMENT = 1 << 20;
/** Segments being deflated at once (zlib's pool has four threads). */
const IN_FLIGHT = 4;
/** Every STRIDE-th byte of a segment is counted (65,536 of a megabyte). */
const STRIDE = 16;
/** Bits per byte above which a segment is stored: random data gives 7.99 here, text 4-5, machine code about 6. */
const RANDOM_ENTROPY = 7.9;
const DEFAULT_LEVEL = 6;
/** gzip's header: deflate, no name or time, "unknown" OS (as Go's writer leaves it). */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final block (fixed Huffman codes): what ends the joined deflate stream. */
const LAST_BLOCK = Buffer.from([0x03, 0x00]);

const deflate = promisify(deflateRaw);

/** The deflate level for one segment: 0 (stored) when its sampled byte entropy says it will not compress. */
export function segmentLevel(segment: Uint8Array): number {
  const stride = segment.length >= STRIDE * 4096 ? STRIDE : 1;
  const counts = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < segment.length; i += stride, n++) counts[segment[i]]++;
  if (n < 4096) return DEFAULT_LEVEL; // too little to judge
  let bits = 0;
  for (const c of counts) if (c) bits -= (c / n) * Math.log2(c / n);
  return bits >= RANDOM_ENTROPY ? 0 : DEFAULT_LEVEL;
}

/** Cuts a stream into SEGMENT-sized pieces (the last one shorter), whatever sizes its chunks have. */
async function* segments(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let len = 0;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, SEGMENT - len);
      parts.push(chunk.subarray(off, off + n));
      len += n;
      off += n;
      if (len === SEGMENT) {
        yield Buffer.concat(parts, len);
        parts = [];
        len = 0;
      }
    }
  }
  if (len) yield Buffer.concat(parts, len);
}

/**
 * The gzip blob of `tar`, in order; `onRaw` hears the uncompressed bytes taken
 * so far. An error of the source ends it.
 */
export async function* gzipLayer(
  tar: AsyncIterable<Buffer>,
  onRaw: (n: number) => void = () => {},
): AsyncGenerator<Buffer> {
  yield HEADER;
  let crc = 0;
  let size = 0;
  const pending: Array<Promise<Buffer>> = [];
  try {
    for await (const seg of segments(tar)) {
      crc = crc32(seg, crc);
      size += seg.length;
      onRaw(size);
      pending.push(deflate(seg, { level: segmentLevel(seg), finishFlush: constants.Z_SYNC_FLUSH }));
      if (pending.length >= IN_FLIGHT) yield await (pending.shift() as Promise<Buffer>);
    }
    while (pending.length) yield await (pending.shift() as Promise<Buffer>);
  } finally {
    for (const p of pending) p.catch(() => {}); // (left behind by an error: their results go unread)
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  yield Buffer.concat([LAST_BLOCK, trailer]);
}
