import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Transform } from 'node:stream';
import { AuthorityFix, fixAuthority } from './h2-authority';
import { encodeLiterals, HpackDecoder, huffmanDecode, huffmanEncode, readInt, writeInt } from './hpack';

test('Huffman codes round-trip (RFC 7541 C.4.1: www.example.com)', () => {
  const encoded = Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex');
  assert.equal(huffmanDecode(encoded).toString(), 'www.example.com');
  assert.deepEqual(huffmanEncode(Buffer.from('www.example.com')), encoded);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
  assert.throws(() => huffmanDecode(Buffer.from([0x00])), /Huffman padding/);
});

test('prefixed integers (RFC 7541 C.1)', () => {
  assert.deepEqual(writeInt(10, 5, 0), Buffer.from([0x0a]));
  assert.deepEqual(writeInt(1337, 5, 0), Buffer.from([0x1f, 0x9a, 0x0a]));
  assert.deepEqual(readInt(Buffer.from([0x1f, 0x9a, 0x0a]), 0, 5), [1337, 3]);
  assert.deepEqual(readInt(Buffer.from([0x2a]), 0, 8), [42, 1]);
  assert.throws(() => readInt(Buffer.from([0x1f, 0x9a]), 0, 5), /truncated/);
});

test('request header blocks with the dynamic table (RFC 7541 C.4: three requests, Huffman)', () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  assert.deepEqual(d.decode(Buffer.from('828684be5886a8eb10649cbf', 'hex')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ]);
  assert.deepEqual(d.decode(Buffer.from('828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', 'hex')), [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
  assert.throws(() => d.decode(Buffer.from([0xff, 0x7f])), /out of range/);
});

test('literal blocks decode to what was encoded, without touching the table', () => {
  const headers: Array<[string, string]> = [
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['x', ''],
  ];
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(encodeLiterals(headers)), headers);
  assert.deepEqual(d.decode(Buffer.from([0x82])), [[':method', 'GET']], 'the dynamic table is still empty');
});

test('an authority nghttp2 refuses becomes localhost; a good one stays', () => {
  assert.deepEqual(
    fixAuthority([
      [':authority', '/run/stowage/cri.sock'],
      [':path', '/x'],
    ]),
    [
      [':authority', 'localhost'],
      [':path', '/x'],
    ],
  );
  assert.deepEqual(fixAuthority([[':authority', 'localhost:1234']]), [[':authority', 'localhost:1234']]);
});

const frame = (type: number, flags: number, stream: number, payload: Buffer) => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
};

async function through(t: Transform, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  t.on('data', (d: Buffer) => out.push(d));
  for (const c of chunks) t.write(c);
  t.end();
  await new Promise((r) => t.on('end', r));
  return Buffer.concat(out);
}

test('AuthorityFix rewrites HEADERS (split across CONTINUATION, padded) and passes other frames as they are', async () => {
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const settings = frame(0x4, 0, 0, Buffer.alloc(0));
  // grpc-go's request: :method POST, :scheme http, :path, :authority /run/x.sock (literal, incremental indexing)
  const block = Buffer.concat([
    Buffer.from([0x83, 0x86]),
    Buffer.from([0x44, 0x05]),
    Buffer.from('/a/b1'),
    Buffer.from([0x41, 0x0b]),
    Buffer.from('/run/x.sock'),
  ]);
  const padded = Buffer.concat([Buffer.from([3]), block.subarray(0, 9), Buffer.alloc(3)]);
  const headers = frame(0x1, 0x8 /* PADDED, no END_HEADERS */, 1, padded);
  const continuation = frame(0x9, 0x4, 1, block.subarray(9));
  const data = frame(0x0, 0x1, 1, Buffer.from([0, 0, 0, 0, 0]));
  // a second request adds its :path (index 62) and refers to the authority by its dynamic index, now 63
  const second = frame(0x1, 0x5, 3, Buffer.from([0x83, 0x86, 0x44, 0x02, 0x2f, 0x63, 0xbf]));
  const bytes = Buffer.concat([preface, settings, headers, continuation, data, second]);
  // fed in odd pieces, as a socket would
  const out = await through(new AuthorityFix(), [bytes.subarray(0, 10), bytes.subarray(10, 40), bytes.subarray(40)]);
  assert.deepEqual(out.subarray(0, 24 + 9), Buffer.concat([preface, settings]));
  let pos = 33;
  const read = () => {
    const len = out.readUIntBE(pos, 3);
    const f = {
      type: out[pos + 3],
      flags: out[pos + 4],
      stream: out.readUInt32BE(pos + 5),
      payload: out.subarray(pos + 9, pos + 9 + len),
    };
    pos += 9 + len;
    return f;
  };
  const d = new HpackDecoder();
  const h1 = read();
  assert.deepEqual([h1.type, h1.flags, h1.stream], [0x1, 0x4, 1], 'one HEADERS frame with END_HEADERS, no padding');
  assert.deepEqual(d.decode(h1.payload), [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', '/a/b1'],
    [':authority', 'localhost'],
  ]);
  assert.deepEqual(read(), { type: 0x0, flags: 0x1, stream: 1, payload: Buffer.from([0, 0, 0, 0, 0]) });
  const h2 = read();
  assert.deepEqual([h2.type, h2.flags, h2.stream], [0x1, 0x5, 3]);
  assert.deepEqual(d.decode(h2.payload), [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', '/c'],
    [':authority', 'localhost'],
  ]);
  assert.equal(pos, out.length);
});
