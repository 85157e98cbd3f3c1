// Detects an archive's compression from its first bytes and returns the
// decompressed stream. gzip uses zlib; bzip2, xz and zstd run Debian's own
// tools as filters: they are far faster than any JavaScript port and Node 20's
// zlib has no zstd (see podman#19779 for what a slow xz costs).
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { invalidArgument } from '../errdefs';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads the first bytes of a stream without losing them. */
export async function peek(src: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = src[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    got.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(got);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: head.subarray(0, n), stream: Readable.from(rest(), { objectMode: false }) };
}

const TOOLS: Record<Exclude<Compression, 'none' | 'gzip'>, string[]> = {
  bzip2: ['bzip2', '-dc'],
  xz: ['xz', '-dc', '-T0'],
  zstd: ['zstd', '-dcq'],
};

export function decompressStream(src: Readable, kind: Compression): Readable {
  if (kind === 'none') return src;
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    src.on('error', (e) => gunzip.destroy(e));
    return src.pipe(gunzip);
  }
  const [cmd, ...args] = TOOLS[kind];
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (e) => out.destroy(invalidArgument(`cannot run ${cmd} to decompress: ${e.message}`)));
  pipeline(src, child.stdin).catch(() => child.kill());
  child.stdout.pipe(out, { end: false });
  // 'close' comes after stdout has delivered everything
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(invalidArgument(`${kind} decompression failed: ${stderr.trim() || `exit status ${code}`}`));
  });
  return out;
}

/** Decompresses whatever compression the stream starts with. */
export async function autoDecompress(
  src: AsyncIterable<Buffer>,
): Promise<{ stream: Readable; compression: Compression }> {
  const { head, stream } = await peek(src, 6);
  const compression = detectCompression(head);
  return { stream: decompressStream(stream, compression), compression };
}
