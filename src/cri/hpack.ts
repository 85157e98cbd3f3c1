// A small HPACK (RFC 7541) decoder, with its dynamic table, and an encoder of
// header blocks made of literals only (they need no table on the other side).
import { invalidArgument } from '../errdefs';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, STATIC_TABLE } from './hpack-tables';

export type HeaderList = Array<[string, string]>;

// Huffman codes by length, for decoding bit by bit
const BY_LENGTH = new Map<number, Map<number, number>>();
HUFFMAN_CODES.forEach((code, sym) => {
  const len = HUFFMAN_LENGTHS[sym];
  let m = BY_LENGTH.get(len);
  if (!m) BY_LENGTH.set(len, (m = new Map<number, number>()));
  m.set(code, sym);
});

const bad = (msg: string) => invalidArgument(`HPACK: ${msg}`);

export function huffmanDecode(buf: Buffer): Buffer {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of buf) {
    for (let bit = 7; bit >= 0; bit--) {
      code = ((code << 1) | ((byte >> bit) & 1)) >>> 0;
      len++;
      const sym = BY_LENGTH.get(len)?.get(code);
      if (sym !== undefined) {
        out.push(sym);
        code = 0;
        len = 0;
      } else if (len > 30) throw bad('invalid Huffman code');
    }
  }
  // what is left is padding: fewer than 8 bits, all ones (the start of the EOS code)
  if (len > 7 || code !== (1 << len) - 1) throw bad('invalid Huffman padding');
  return Buffer.from(out);
}

export function huffmanEncode(buf: Buffer): Buffer {
  const out: number[] = [];
  let acc = 0n;
  let bits = 0;
  for (const sym of buf) {
    acc = (acc << BigInt(HUFFMAN_LENGTHS[sym])) | BigInt(HUFFMAN_CODES[sym]);
    bits += HUFFMAN_LENGTHS[sym];
    while (bits >= 8) {
      bits -= 8;
      out.push(Number((acc >> BigInt(bits)) & 0xffn));
    }
    acc &= (1n << BigInt(bits)) - 1n;
  }
  if (bits > 0) out.push(Number(((acc << BigInt(8 - bits)) | ((1n << BigInt(8 - bits)) - 1n)) & 0xffn));
  return Buffer.from(out);
}

/** An integer with an N-bit prefix (RFC 7541 5.1): the value and the position after it. */
export function readInt(buf: Buffer, pos: number, prefix: number): [number, number] {
  if (pos >= buf.length) throw bad('truncated integer');
  const max = (1 << prefix) - 1;
  let v = buf[pos] & max;
  pos++;
  if (v < max) return [v, pos];
  for (let shift = 0; ; shift += 7) {
    if (pos >= buf.length) throw bad('truncated integer');
    if (shift > 28) throw bad('integer too large');
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [v, pos];
  }
}

export function writeInt(value: number, prefix: number, first: number): Buffer {
  const max = (1 << prefix) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function readString(buf: Buffer, pos: number): [string, number] {
  if (pos >= buf.length) throw bad('truncated string');
  const huffman = (buf[pos] & 0x80) !== 0;
  const [len, start] = readInt(buf, pos, 7);
  if (start + len > buf.length) throw bad('truncated string');
  const raw = buf.subarray(start, start + len);
  return [(huffman ? huffmanDecode(raw) : raw).toString('latin1'), start + len];
}

const entrySize = (name: string, value: string) => name.length + value.length + 32;

export class HpackDecoder {
  private dynamic: HeaderList = [];
  private size = 0;

  constructor(private maxSize = 4096) {}

  private field(index: number): [string, string] {
    if (index === 0) throw bad('index 0');
    if (index <= STATIC_TABLE.length) return [...STATIC_TABLE[index - 1]] as [string, string];
    const e = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!e) throw bad(`index ${index} out of range`);
    return e;
  }

  private insert(name: string, value: string): void {
    this.dynamic.unshift([name, value]);
    this.size += entrySize(name, value);
    this.evict();
  }

  private evict(): void {
    for (let e = this.dynamic.at(-1); this.size > this.maxSize && e; e = this.dynamic.at(-1)) {
      this.dynamic.pop();
      const [n, v] = e;
      this.size -= entrySize(n, v);
    }
  }

  decode(block: Buffer): HeaderList {
    const out: HeaderList = [];
    let pos = 0;
    while (pos < block.length) {
      const b = block[pos];
      if (b & 0x80) {
        const [index, next] = readInt(block, pos, 7);
        out.push(this.field(index));
        pos = next;
      } else if ((b & 0xe0) === 0x20) {
        const [size, next] = readInt(block, pos, 5);
        this.maxSize = size;
        this.evict();
        pos = next;
      } else {
        const indexing = (b & 0xc0) === 0x40;
        const [index, next] = readInt(block, pos, indexing ? 6 : 4);
        pos = next;
        let name: string;
        if (index === 0) [name, pos] = readString(block, pos);
        else name = this.field(index)[0];
        let value: string;
        [value, pos] = readString(block, pos);
        out.push([name, value]);
        if (indexing) this.insert(name, value);
      }
    }
    return out;
  }
}

/** A header block of literals without indexing (new names, plain strings). */
export function encodeLiterals(headers: HeaderList): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(Buffer.from([0x00]), writeInt(n.length, 7, 0), n, writeInt(v.length, 7, 0), v);
  }
  return Buffer.concat(parts);
}
