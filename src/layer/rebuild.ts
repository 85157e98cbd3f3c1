// Rebuilds a layer's original tar from its unpacked directory and tar-split,
// checking it against the diff ID as it goes (nothing is read back on trust).
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hasher, type Digest } from '../digest';
import { internal } from '../errdefs';
import type { Segment } from './tar-split';

const CHUNK = 1 << 20;

export async function* rebuildTar(layerDir: string, segments: Segment[], expect?: Digest): AsyncGenerator<Buffer> {
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
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
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
