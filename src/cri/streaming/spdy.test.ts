import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { test } from 'node:test';
import zlib from 'node:zlib';
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  SpdyConnection,
  type SpdyStream,
} from './spdy';
import { SPDY_DICTIONARY } from './spdy-dictionary';

test('header blocks: count, then length-prefixed lower-case names and values', () => {
  const block = encodeHeaderBlock({ StreamType: 'stdout', port: '80' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'stdout', port: '80' });
  assert.throws(() => decodeHeaderBlock(block.subarray(0, 10)), /truncated/);
});

test('outgoing blocks are one zlib stream that any inflater reads block by block', () => {
  const c = new HeaderCompressor();
  const a = c.compress(encodeHeaderBlock({}));
  const b = c.compress(encodeHeaderBlock({ x: 'y' }));
  const inflate = (buf: Buffer) => zlib.inflateSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflate(a), encodeHeaderBlock({}));
  assert.deepEqual(
    inflate(Buffer.concat([a, b])),
    Buffer.concat([encodeHeaderBlock({}), encodeHeaderBlock({ x: 'y' })]),
  );
  assert.deepEqual(a.subarray(-5), Buffer.from([0, 0, 0, 0xff, 0xff]), 'each block ends with a sync flush marker');
});

/** What Go's framer sends: one deflate stream with the SPDY dictionary, sync-flushed per block. */
function goCompressor() {
  const d = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  return (block: Buffer) =>
    new Promise<Buffer>((resolve) => {
      const out: Buffer[] = [];
      const onData = (x: Buffer) => out.push(x);
      d.on('data', onData);
      d.write(block);
      d.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        d.off('data', onData);
        resolve(Buffer.concat(out));
      });
    });
}

test('incoming blocks of one compressed stream are read one after the other', async () => {
  const compress = goCompressor();
  const h = new HeaderDecompressor();
  assert.deepEqual(decodeHeaderBlock(h.decompress(await compress(encodeHeaderBlock({ streamtype: 'error' })))), {
    streamtype: 'error',
  });
  assert.deepEqual(decodeHeaderBlock(h.decompress(await compress(encodeHeaderBlock({ streamtype: 'stdout' })))), {
    streamtype: 'stdout',
  });
});

/** Two ends of an in-memory connection. */
function pair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  return [a, b];
}

/** Frames as they arrive on the client side. */
function frames(sock: Duplex) {
  let buf = Buffer.alloc(0);
  const got: Buffer[] = [];
  const waiters: Array<() => void> = [];
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= 8 + (buf.readUInt32BE(4) & 0xffffff)) {
      const n = 8 + (buf.readUInt32BE(4) & 0xffffff);
      got.push(buf.subarray(0, n));
      buf = buf.subarray(n);
      waiters.splice(0).forEach((w) => w());
    }
  });
  return async (): Promise<Buffer> => {
    while (!got.length) await new Promise<void>((r) => waiters.push(r));
    return got.shift()!;
  };
}

test('a connection replies to each stream, carries data both ways, answers pings, ends on FIN and RST', async () => {
  const [client, server] = pair();
  client.on('error', () => undefined); // destroyed with the server's end at the GOAWAY
  const conn = new SpdyConnection(server);
  const streams: SpdyStream[] = [];
  conn.on('stream', (s: SpdyStream) => streams.push(s));
  const next = frames(client);
  const compress = goCompressor();
  const syn = async (id: number, headers: Record<string, string>, flags = 0) => {
    const p = Buffer.alloc(10);
    p.writeUInt32BE(id, 0);
    client.write(controlFrame(1, flags, Buffer.concat([p, await compress(encodeHeaderBlock(headers))])));
  };
  await syn(1, { streamtype: 'error' });
  await syn(3, { streamtype: 'stdin' });
  // the replies' headers as the client's inflater reads them: one zlib stream, block after block
  let replyHeaders = Buffer.alloc(0);
  for (const id of [1, 3]) {
    const reply = await next();
    assert.equal(reply.readUInt16BE(0), 0x8003);
    assert.equal(reply.readUInt16BE(2), 2, 'SYN_REPLY');
    assert.equal(reply.readUInt32BE(8), id);
    replyHeaders = Buffer.concat([replyHeaders, reply.subarray(12)]);
    const all = zlib.inflateSync(replyHeaders, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(decodeHeaderBlock(all.subarray(all.length - 4)), {});
  }
  assert.deepEqual(
    streams.map((s) => [s.id, s.headers.streamtype]),
    [
      [1, 'error'],
      [3, 'stdin'],
    ],
  );

  const received: Buffer[] = [];
  streams[1].on('data', (d: Buffer) => received.push(d));
  const ended = new Promise((r) => streams[1].on('end', r));
  client.write(dataFrame(3, 0, Buffer.from('hello ')));
  client.write(dataFrame(3, 1, Buffer.from('world')));
  await ended;
  assert.equal(Buffer.concat(received).toString(), 'hello world');

  streams[0].end('status');
  const d1 = await next();
  assert.deepEqual([d1.readUInt32BE(0), d1[4], d1.subarray(8).toString()], [1, 0, 'status']);
  const fin = await next();
  assert.deepEqual([fin.readUInt32BE(0), fin[4], fin.length], [1, 1, 8], 'an empty DATA frame with FIN');

  const ping = controlFrame(6, 0, Buffer.from([0, 0, 0, 7]));
  client.write(ping);
  assert.deepEqual(await next(), ping);

  await syn(5, { streamtype: 'stdout' });
  await next(); // its reply
  const reset = Buffer.alloc(8);
  reset.writeUInt32BE(5, 0);
  reset.writeUInt32BE(5, 4);
  const gone = new Promise((r) => streams[2].on('end', r));
  streams[2].resume();
  client.write(controlFrame(3, 0, reset));
  await gone;

  const closed = new Promise((r) => conn.once('close', r));
  client.write(controlFrame(7, 0, Buffer.alloc(8)));
  await closed;
});
