// Rebuilds a layer's original tar from its unpacked directory and tar-split,
// checking it against the diff ID as it goes (nothing is read back on trust).
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hasher, type Digest } from '../digest';
import { internal } from '../errdefs';
import type { Segment } from './tar-split';

const CHUNK = 1 << 20;

/**
 * With `scratch`, file bodies are read into that one buffer, so each chunk yielded is
 * valid only until the next is asked for (for a consumer that only checks the hash:
 * fresh buffers cost a page fault per 4 KB, a third of save's check).
 */
export async function* rebuildTar(
  layerDir: string,
  segments: Segment[],
  expect?: Digest,
  scratch?: Buffer,
): AsyncGenerator<Buffer> {
  const hash = expect ? sha256Hasher() : undefined;
  for (const s of segments) {
    if ('raw' in s) {
      hash?.update(s.raw);
      yield s.raw;
      continue;
    }
    const file = path.join(layerDir, s.file);
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      let left = s.size;
      while (left > 0) {
        const n0 = Math.min(scratch?.length ?? CHUNK, left);
        const buf = scratch ? scratch.subarray(0, n0) : Buffer.allocUnsafe(n0);
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) throw internal(`layer file ${s.file} is shorter than recorded: the layer store is damaged`);
        const part = n === buf.length ? buf : buf.subarray(0, n);
        hash?.update(part);
        left -= n;
        yield part;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  if (hash && expect) {
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== expect)
      throw internal(`layer ${expect} does not match its content (got ${got}): the layer store is damaged`);
  }
}
