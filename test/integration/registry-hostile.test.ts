// pull from a registry that lies: an in-process HTTP server speaking the
// registry API on 127.0.0.1, serving blobs that do not match their digests or
// their sizes, configs whose diff IDs are wrong, escaping layers, manifests
// and error bodies without end, and, behind a bearer token, redirects and
// upload locations on another host (which must never see the token). Each
// pull is refused with a message naming what is wrong, and the store is left
// as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { TestEnv } from '../helpers';
import { buildTar } from '../tar-builder';

const env = new TestEnv();
const blobs = new Map<string, Buffer>();
const manifests = new Map<string, { type: string; body: Buffer }>();
/** blobs served without end, whatever the manifest says of their size */
const endlessBlobs = new Set<string>();
let server: http.Server;
let host: string;
/** another origin (a storage backend, or a thief): what it was sent */
let elsewhere: http.Server;
let elsewhereUrl: string;
const elsewhereSaw: Array<{ url: string; authorization?: string }> = [];
const TOKEN = 'the-hostile-registry-token';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Publishes repo:tag made of `layers` (tar bytes); `lie` bends one thing the registry serves. */
function publish(
  repo: string,
  tag: string,
  layers: Buffer[],
  lie: { blobAt?: number; diffId?: boolean; mediaType?: string; endlessAt?: number } = {},
): string {
  const gz = layers.map((l) => gzipSync(l));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: {
        type: 'layers',
        diff_ids: layers.map((l) => (lie.diffId ? digestOf(Buffer.from('other')) : digestOf(l))),
      },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  blobs.set(digestOf(config), config);
  // a swapped blob has the promised size: one byte differs in the middle
  const swap = (g: Buffer) => Buffer.from(g.map((b, j) => (j === g.length >> 1 ? b ^ 0xff : b)));
  gz.forEach((g, i) => blobs.set(digestOf(g), lie.blobAt === i ? swap(g) : g));
  if (lie.endlessAt !== undefined) endlessBlobs.add(digestOf(gz[lie.endlessAt]));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: digestOf(config),
      },
      layers: gz.map((g) => ({
        mediaType: lie.mediaType ?? 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: g.length,
        digest: digestOf(g),
      })),
    }),
  );
  manifests.set(`${repo}:${tag}`, { type: 'application/vnd.docker.distribution.manifest.v2+json', body: manifest });
  return digestOf(config);
}

/** A body that never ends (until the client goes). */
function endless(res: http.ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, headers);
  const chunk = Buffer.alloc(1 << 16, 0x61);
  const pump = () => {
    while (res.write(chunk)) if (res.destroyed) return;
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

before(async () => {
  await env.baseImage('busybox:latest');
  elsewhere = http.createServer((req, res) => {
    elsewhereSaw.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const digest = /^\/blob\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && digest && blobs.has(digest)) return res.writeHead(200).end(blobs.get(digest));
    req.resume();
    res.writeHead(202, { Location: '/upload/2' }).end();
  });
  await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200).end('{}');
    if (url.startsWith('/token'))
      return res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
    // repositories under private/ want the token, and keep their blobs and uploads on another host
    if (url.startsWith('/v2/private/')) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return res
          .writeHead(401, {
            'WWW-Authenticate': `Bearer realm="http://${host}/token",service="hostile"`,
            'Content-Type': 'application/json',
          })
          .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
      if (blob && req.method === 'GET') return res.writeHead(307, { Location: `${elsewhereUrl}/blob/${blob}` }).end();
      if (blob && req.method === 'HEAD') return res.writeHead(404).end();
      if (req.method === 'POST' && /\/blobs\/uploads\/$/.test(url.split('?')[0]))
        return res.writeHead(202, { Location: `${elsewhereUrl}/upload/1` }).end();
    }
    if (url === '/v2/bigmanifest/manifests/1') {
      endless(res, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' });
      return;
    }
    if (url === '/v2/declaredbig/manifests/1') {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
        'Content-Length': String(5 << 20),
      });
      return res.end(Buffer.alloc(5 << 20, 0x20));
    }
    if (url === '/v2/bigerror/manifests/1') {
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(8 << 20) });
      return res.end(
        Buffer.concat([
          Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"'),
          Buffer.alloc((8 << 20) - 60, 0x61),
          Buffer.from('"}]}'),
        ]).subarray(0, 8 << 20),
      );
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (m?.[2] === 'blobs' && endlessBlobs.has(m[3])) {
      endless(res, { 'Content-Type': 'application/octet-stream' });
      return;
    }
    const found =
      m &&
      (m[2] === 'manifests'
        ? manifests.get(`${m[1]}:${m[3]}`)
        : blobs.has(m[3])
          ? { type: 'application/octet-stream', body: blobs.get(m[3])! }
          : undefined);
    if (!found)
      return res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    res
      .writeHead(200, { 'Content-Type': found.type, 'Content-Length': found.body.length })
      .end(req.method === 'HEAD' ? undefined : found.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server?.closeAllConnections();
  server?.close();
  elsewhere?.closeAllConnections();
  elsewhere?.close();
  env.cleanup();
});

/** What a refused pull must leave unchanged: images, layers, temporary files. */
async function storeState() {
  return {
    images: (await env.ok(['images', '-aq', '--no-trunc'])).trim(),
    layers: fs.readdirSync(path.join(env.root, 'overlay')).sort().join(','),
    tmp: fs.readdirSync(path.join(env.root, 'tmp')).join(','),
  };
}

test('a good image pulls, runs, and a second pull finds it up to date', async () => {
  const id = publish('good', '1', [buildTar([{ name: 'hello.txt', data: 'from the registry\n' }])]);
  const r = await env.run(['pull', `${host}/good:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^1: Pulling from good\n[0-9a-f]{12}: Pulling fs layer\n[0-9a-f]{12}: Verifying Checksum\n[0-9a-f]{12}: Download complete\n[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for 127\.0\.0\.1:\d+\/good:1\n127\.0\.0\.1:\d+\/good:1\n$/,
  );
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${host}/good:1`])).trim(), id);
  const again = await env.ok(['pull', '-q', `${host}/good:1`]);
  assert.equal(again, `${host}/good:1\n`);
  // an image the store has: no layer lines at all, as Docker
  assert.match(
    await env.ok(['pull', `${host}/good:1`]),
    /^1: Pulling from good\nDigest: sha256:[0-9a-f]{64}\nStatus: Image is up to date for 127\.0\.0\.1:\d+\/good:1\n/,
  );
});

test('lying registries are refused and leave the store as it was', async () => {
  // (each repository its own layer: blobs are shared by digest)
  const layer = (n: string) => buildTar([{ name: 'file', data: n }]);
  publish('swapped', '1', [layer('swapped')], { blobAt: 0 });
  publish('second', '1', [layer('first of two'), layer('second of two')], { blobAt: 1 });
  publish('wrongdiff', '1', [layer('wrongdiff')], { diffId: true });
  publish('foreign', '1', [layer('foreign')], {
    mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  });
  publish('escape', '1', [buildTar([{ name: '../../../../../../tmp/stowage-pulled-escape', data: 'x' }])]);
  publish('endless', '1', [layer('endless')], { endlessAt: 0 });
  const before = await storeState();
  const cases: Array<[string, RegExp]> = [
    ['swapped:1', /filesystem layer verification failed for digest sha256:[0-9a-f]{64}/],
    ['second:1', /filesystem layer verification failed for digest sha256:[0-9a-f]{64}/], // the first layer, good, goes too
    ['wrongdiff:1', /invalid diffID for layer sha256:[0-9a-f]{64}: calculated sha256:[0-9a-f]{64}, expected sha256:/],
    [
      'foreign:1',
      /media type stowage does not pull: application\/vnd\.docker\.image\.rootfs\.foreign\.diff\.tar\.gzip/,
    ],
    ['escape:1', /\.\.\//],
    ['missing:1', /manifest for 127\.0\.0\.1:\d+\/missing:1 not found: manifest unknown: manifest unknown/],
    // a blob longer than its manifest says: cut at the size, not stored to the end
    ['endless:1', /filesystem layer sha256:[0-9a-f]{64} is larger than the \d+ bytes its manifest gives: refused/],
    // manifests past Docker's 4 MiB, declared or streamed without end
    ['declaredbig:1', /the manifest 1 of declaredbig is larger than 4194304 bytes: refused/],
    ['bigmanifest:1', /the manifest 1 of bigmanifest is larger than 4194304 bytes: refused/],
    // an error body of 8 MiB: its first bytes are enough
    ['bigerror:1', /manifest for 127\.0\.0\.1:\d+\/bigerror:1 not found: 404 Not Found/],
  ];
  for (const [name, want] of cases) {
    const r = await env.run(['pull', `${host}/${name}`]);
    assert.equal(r.code, 1, name);
    assert.match(r.stderr, want, name);
    assert.deepEqual(await storeState(), before, `${name}: the store is unchanged`);
  }
  assert.ok(!fs.existsSync('/tmp/stowage-pulled-escape'));
  // a pinned digest that the manifest does not hash to
  const pinned = await env.run(['pull', `${host}/good@sha256:${'0'.repeat(64)}`]);
  assert.equal(pinned.code, 1);
});

test('behind a bearer token: a redirect to another host and an upload location elsewhere never get the token', async () => {
  const id = publish('private/app', '1', [buildTar([{ name: 'app.txt', data: 'kept elsewhere\n' }])]);
  elsewhereSaw.length = 0;
  const r = await env.run(['pull', `${host}/private/app:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${host}/private/app:1`])).trim(), id);
  assert.ok(
    elsewhereSaw.some((x) => x.url.startsWith('/blob/')),
    'the blobs came from the other host',
  );
  assert.deepEqual(
    elsewhereSaw.filter((x) => x.authorization),
    [],
    'and it never saw the token',
  );

  // a push whose upload the registry sends elsewhere: the bytes go there, the token does not
  await env.ok(['tag', 'busybox', `${host}/private/pushed:1`]);
  elsewhereSaw.length = 0;
  const p = await env.run(['push', `${host}/private/pushed:1`]);
  assert.ok(
    elsewhereSaw.some((x) => x.url.startsWith('/upload/')),
    p.stderr,
  );
  assert.deepEqual(
    elsewhereSaw.filter((x) => x.authorization),
    [],
  );
});
