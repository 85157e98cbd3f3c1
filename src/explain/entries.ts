// A layer's entries (its tar headers), read without its file contents: from
// the tar-split the store keeps beside each unpacked layer, or from a layer tar
// inside an archive, skipping the bodies.
import { cleanEntryPath } from '../layer/apply';
import type { Segment } from '../layer/tar-split';
import type { TarHeader } from '../tar/header';
import { readTar, readTarRange, type RangeVisitor } from '../tar/reader';
import type { LayerEntry } from './types';

function collector(out: LayerEntry[]): RangeVisitor {
  return {
    entry(h: TarHeader) {
      const path = cleanEntryPath(h.name);
      // a hard link names its target from the layer root, as unpacking takes it (and refuses it climbing out)
      const linkname = h.type === 'link' ? cleanEntryPath(h.linkname.replace(/^\/+/, '')) : h.linkname;
      if (path !== '') out.push({ path, type: h.type, size: h.type === 'file' ? h.size : 0, linkname });
    },
    body() {}, // a body handed over as a byte range is never read
  };
}

// Stands in for file contents: the reader only counts them (no `data` visitor).
const HOLE = Buffer.alloc(1 << 20);

/** The tar a tar-split rebuilds, with every file's content replaced by zeros that nobody reads. */
async function* skeleton(segments: Segment[]): AsyncGenerator<Buffer> {
  for (const s of segments) {
    if ('raw' in s) {
      yield s.raw;
      continue;
    }
    for (let left = s.size; left > 0; left -= HOLE.length) yield left >= HOLE.length ? HOLE : HOLE.subarray(0, left);
  }
}

/** Entries of a stored layer, from its tar-split alone (headers and padding; no file is opened). */
export async function entriesOfTarSplit(segments: Segment[]): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  await readTar(skeleton(segments), collector(out));
  return out;
}

/** Entries of an uncompressed layer tar streamed by (its bodies pass unread). */
export async function entriesOfTar(source: AsyncIterable<Buffer>): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  await readTar(source, collector(out));
  return out;
}

/** Entries of an uncompressed layer tar at [start, end) of an open file: headers read where they are, large bodies skipped. */
export async function entriesOfTarRange(fd: number, start: number, end: number): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  await readTarRange(fd, start, end, collector(out));
  return out;
}
