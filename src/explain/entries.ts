// A layer's entries (its tar headers), read without its file contents: from
// the tar-split the store keeps beside each unpacked layer, or from a layer tar
// inside an archive, skipping the bodies.
import { cleanEntryPath } from '../layer/apply';
import type { Segment } from '../layer/tar-split';
import { internal } from '../errdefs';
import {
  BLOCK,
  decodeBlock,
  hasBody,
  isZeroBlock,
  paddingFor,
  parsePax,
  resolveHeader,
  type TarHeader,
} from '../tar/header';
import { readTar, readTarRange, type RangeVisitor } from '../tar/reader';
import type { LayerEntry } from './types';

function add(out: LayerEntry[], h: TarHeader): void {
  const path = cleanEntryPath(h.name);
  // a hard link names its target from the layer root, as unpacking takes it (and refuses it climbing out)
  const linkname = h.type === 'link' ? cleanEntryPath(h.linkname.replace(/^\/+/, '')) : h.linkname;
  if (path !== '') out.push({ path, type: h.type, size: h.type === 'file' ? h.size : 0, linkname });
}

function collector(out: LayerEntry[]): RangeVisitor {
  return {
    entry: (h) => add(out, h),
    body() {}, // a body handed over as a byte range is never read
  };
}

const trimNul = (b: Buffer) => {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
};

const corrupt = () => internal('tar-split: its records do not make a tar: the layer store is damaged');

/**
 * Entries of a stored layer, from its tar-split alone: the headers are in its
 * raw records, and a file's body is a segment that names where the content
 * lives, skipped without being opened. O(headers), whatever the layer's size.
 */
export function entriesOfTarSplit(segments: Segment[]): LayerEntry[] {
  const out: LayerEntry[] = [];
  let seg = 0;
  let off = 0;
  /** The next n raw bytes; empty files' (zero-length) segments are stepped over. */
  const take = (n: number): Buffer | undefined => {
    for (; seg < segments.length; seg++, off = 0) {
      const sg = segments[seg];
      if ('raw' in sg ? off < sg.raw.length : sg.size > 0) break;
    }
    if (seg === segments.length) return undefined;
    const sg = segments[seg];
    if (!('raw' in sg) || off + n > sg.raw.length) throw corrupt();
    off += n;
    return sg.raw.subarray(off - n, off);
  };
  /** A file's body is its file segment; any other body (a whiteout's) stayed raw. */
  const skipBody = (n: number) => {
    if (n === 0) return;
    const sg = segments[seg];
    if (sg && 'raw' in sg && off < sg.raw.length) {
      if (!take(n)) throw corrupt();
      return;
    }
    const next = segments[seg + 1];
    if (!next || 'raw' in next || next.size !== n) throw corrupt();
    seg += 2;
    off = 0;
  };
  let pax: Map<string, Buffer> | undefined;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (let blk = take(BLOCK); blk && !isZeroBlock(blk); blk = take(BLOCK)) {
    const rh = decodeBlock(blk);
    if ('xgLK'.includes(rh.typeflag)) {
      const body = take(rh.size + paddingFor(rh.size))?.subarray(0, rh.size);
      if (!body) throw corrupt();
      if (rh.typeflag === 'x') pax = new Map([...(pax ?? []), ...parsePax(body)]);
      else if (rh.typeflag === 'L') longName = trimNul(body);
      else if (rh.typeflag === 'K') longLink = trimNul(body);
      continue;
    }
    const h = resolveHeader(rh, pax, longName, longLink);
    pax = longName = longLink = undefined;
    add(out, h);
    if (hasBody(h.type)) {
      skipBody(h.size);
      if (paddingFor(h.size) > 0 && !take(paddingFor(h.size))) throw corrupt();
    }
  }
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
