// pull from a registry that lies: an in-process HTTP server speaking the
// registry API on 127.0.0.1, serving blobs that do not match their digests,
// configs whose diff IDs are wrong, escaping layers. Each pull is refused with
// a message naming what is wrong, and the store is left as it was.
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
let server: http.Server;
let host: string;

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Publishes repo:tag made of `layers` (tar bytes); `lie` bends one thing the registry serves. */
function publish(repo: string, tag: string, layers: Buffer[], lie: { blobAt?: number; diffId?: boolean; mediaType?: string } = {}): string {
  const gz = layers.map((l) => gzipSync(l));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => (lie.diffId ? digestOf(Buffer.from('other')) : digestOf(l))) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  blobs.set(digestOf(config), config);
  // a swapped blob has the promised size: one byte differs in the middle
  const swap = (g: Buffer) => Buffer.from(g.map((b, j) => (j === g.length >> 1 ? b ^ 0xff : b)));
  gz.forEach((g, i) => blobs.set(digestOf(g), lie.blobAt === i ? swap(g) : g));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: digestOf(config) },
      layers: gz.map((g) => ({ mediaType: lie.mediaType ?? 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: g.length, digest: digestOf(g) })),
    }),
  );
  manifests.set(`${repo}:${tag}`, { type: 'application/vnd.docker.distribution.manifest.v2+json', body: manifest });
  return digestOf(config);
}

before(async () => {
  await env.baseImage('busybox:latest');
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    const found = m && (m[2] === 'manifests' ? manifests.get(`${m[1]}:${m[3]}`) : blobs.has(m[3]) ? { type: 'application/octet-stream', body: blobs.get(m[3])! } : undefined);
    if (!found) return res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    res.writeHead(200, { 'Content-Type': found.type, 'Content-Length': found.body.length }).end(req.method === 'HEAD' ? undefined : found.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  server?.close();
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
  assert.match(r.stdout, /^1: Pulling from good\n[0-9a-f]{12}: Pulling fs layer\n[0-9a-f]{12}: Verifying Checksum\n[0-9a-f]{12}: Download complete\n[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for 127\.0\.0\.1:\d+\/good:1\n127\.0\.0\.1:\d+\/good:1\n$/);
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${host}/good:1`])).trim(), id);
  const again = await env.ok(['pull', '-q', `${host}/good:1`]);
  assert.equal(again, `${host}/good:1\n`);
  // an image the store has: no layer lines at all, as Docker
  assert.match(await env.ok(['pull', `${host}/good:1`]), /^1: Pulling from good\nDigest: sha256:[0-9a-f]{64}\nStatus: Image is up to date for 127\.0\.0\.1:\d+\/good:1\n/);
});

test('lying registries are refused and leave the store as it was', async () => {
  // (each repository its own layer: blobs are shared by digest)
  const layer = (n: string) => buildTar([{ name: 'file', data: n }]);
  publish('swapped', '1', [layer('swapped')], { blobAt: 0 });
  publish('second', '1', [layer('first of two'), layer('second of two')], { blobAt: 1 });
  publish('wrongdiff', '1', [layer('wrongdiff')], { diffId: true });
  publish('foreign', '1', [layer('foreign')], { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' });
  publish('escape', '1', [buildTar([{ name: '../../../../../../tmp/stowage-pulled-escape', data: 'x' }])]);
  const before = await storeState();
  const cases: Array<[string, RegExp]> = [
    ['swapped:1', /filesystem layer verification failed for digest sha256:[0-9a-f]{64}/],
    ['second:1', /filesystem layer verification failed for digest sha256:[0-9a-f]{64}/], // the first layer, good, goes too
    ['wrongdiff:1', /invalid diffID for layer sha256:[0-9a-f]{64}: calculated sha256:[0-9a-f]{64}, expected sha256:/],
    ['foreign:1', /media type stowage does not pull: application\/vnd\.docker\.image\.rootfs\.foreign\.diff\.tar\.gzip/],
    ['escape:1', /\.\.\//],
    ['missing:1', /manifest for 127\.0\.0\.1:\d+\/missing:1 not found: manifest unknown: manifest unknown/],
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
