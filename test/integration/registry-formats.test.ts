// What registries hold, pulled from Debian's docker-registry on 127.0.0.1:
// OCI manifests and indexes beside Docker's schema 2 and manifest lists;
// gzip, zstd and uncompressed layers; a platform picked from an index; pulls
// by digest and of every tag; pushes of every tag; mirrors tried in order
// (daemon.json's registry-mirrors for docker.io, registries.conf's
// [[registry.mirror]] for any name) before the origin; progress bars on a
// terminal only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { baseTarball, freePort, TestEnv, FRONT_END } from '../helpers';
import { startRegistry, type Registry } from '../reference/registry';
import { buildTar } from '../tar-builder';

const env = new TestEnv('stowage-regfmt-');
const conf = path.join(env.dir, 'conf');
const daemonJson = path.join(conf, 'daemon.json');
const registriesConf = path.join(conf, 'registries.conf');
let reg: Registry;
let mirror: Registry;

const vars = () => ({
  STOWAGE_DAEMON_JSON: daemonJson,
  STOWAGE_REGISTRIES_CONF: registriesConf,
  DOCKER_CONFIG: path.join(conf, 'docker'),
});
const run = (args: string[]) => env.run(args, { env: vars() });
const ok = (args: string[]) => env.ok(args, { env: vars() });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const inspect = (ref: string, f: string) => ok(['image', 'inspect', '-f', f, ref]).then((s) => s.trim());

/** Uploads a blob to a real registry as any client does (POST, then PUT with the digest). */
async function putBlob(host: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

async function putManifest(host: string, repo: string, ref: string, mediaType: string, doc: object): Promise<string> {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': mediaType },
  });
  assert.equal(res.status, 201, await res.text());
  return sha(body);
}

type Compression = 'gzip' | 'zstd' | 'none';
const compress = (tar: Buffer, c: Compression) =>
  c === 'gzip' ? gzipSync(tar) : c === 'zstd' ? execFileSync('zstd', ['-q', '-c'], { input: tar }) : tar;
const LAYER_TYPE: Record<'oci' | 'docker', Record<Compression, string>> = {
  oci: {
    gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    none: 'application/vnd.oci.image.layer.v1.tar',
  },
  docker: {
    gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    zstd: '',
    none: 'application/vnd.docker.image.rootfs.diff.tar',
  },
};

/** An image of the given layers (tar bytes) in a registry; returns its manifest's digest and the image ID. */
async function image(
  host: string,
  repo: string,
  tag: string | undefined,
  layers: Array<[Buffer, Compression]>,
  o: { format: 'oci' | 'docker'; arch?: string },
) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: o.arch ?? 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map(([t]) => sha(t)) },
    }),
  );
  const descs = [];
  for (const [tar, c] of layers) {
    const blob = compress(tar, c);
    descs.push({ mediaType: LAYER_TYPE[o.format][c], size: blob.length, digest: await putBlob(host, repo, blob) });
  }
  const cfg = {
    mediaType:
      o.format === 'oci'
        ? 'application/vnd.oci.image.config.v1+json'
        : 'application/vnd.docker.container.image.v1+json',
    size: config.length,
    digest: await putBlob(host, repo, config),
  };
  const mediaType =
    o.format === 'oci'
      ? 'application/vnd.oci.image.manifest.v1+json'
      : 'application/vnd.docker.distribution.manifest.v2+json';
  const doc = { schemaVersion: 2, mediaType, config: cfg, layers: descs };
  const body = Buffer.from(JSON.stringify(doc));
  const digest = await putManifest(host, repo, tag ?? sha(body), mediaType, doc);
  return { digest, id: sha(config), size: body.length, mediaType };
}

before(async () => {
  fs.mkdirSync(conf, { recursive: true });
  await env.baseImage('busybox:latest');
  [reg, mirror] = await Promise.all([startRegistry(), startRegistry()]);
});
after(async () => {
  await reg?.stop();
  await mirror?.stop();
  env.cleanup();
});

test('OCI and Docker manifests with gzip, zstd and uncompressed layers', async () => {
  const layers = (n: string): Array<[Buffer, Compression]> => [
    [fs.readFileSync(baseTarball()), 'gzip'],
    [buildTar([{ name: `${n}-gz.txt`, data: 'gzip\n' }]), 'gzip'],
    [buildTar([{ name: `${n}-zst.txt`, data: 'zstd\n' }]), 'zstd'],
    [buildTar([{ name: `${n}-raw.txt`, data: 'plain\n' }]), 'none'],
  ];
  const oci = await image(reg.host, 'formats/oci', '1', layers('oci'), { format: 'oci' });
  const docker = await image(
    reg.host,
    'formats/docker',
    '1',
    layers('docker').filter(([, c]) => c !== 'zstd'),
    { format: 'docker' },
  );
  for (const [repo, want] of [
    ['formats/oci', oci],
    ['formats/docker', docker],
  ] as const) {
    const r = await run(['pull', `${reg.host}/${repo}:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Digest: ${want.digest}\\n`));
    assert.equal(await inspect(`${reg.host}/${repo}:1`, '{{.Id}}'), want.id);
  }
  assert.equal(
    await ok([
      'run',
      '--rm',
      '--network',
      'none',
      `${reg.host}/formats/oci:1`,
      'cat',
      '/oci-gz.txt',
      '/oci-zst.txt',
      '/oci-raw.txt',
    ]),
    'gzip\nzstd\nplain\n',
  );
  assert.match(
    await ok(['images', '--digests', '--format', '{{.Repository}} {{.Digest}}']),
    new RegExp(`^${reg.host}/formats/oci ${oci.digest}$`, 'm'),
  );
});

test("an index: this machine's entry by default, --platform picks another, a digest pins the index", async () => {
  const amd = await image(reg.host, 'multi', undefined, [[buildTar([{ name: 'arch', data: 'amd64\n' }]), 'gzip']], {
    format: 'oci',
    arch: 'amd64',
  });
  const arm = await image(reg.host, 'multi', undefined, [[buildTar([{ name: 'arch', data: 'arm64\n' }]), 'gzip']], {
    format: 'oci',
    arch: 'arm64',
  });
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: amd.mediaType,
        digest: amd.digest,
        size: amd.size,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        mediaType: arm.mediaType,
        digest: arm.digest,
        size: arm.size,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      },
    ],
  };
  const indexDigest = await putManifest(reg.host, 'multi', '1', index.mediaType, index);
  // (as a Docker manifest list too)
  await putManifest(reg.host, 'multi', 'list', 'application/vnd.docker.distribution.manifest.list.v2+json', {
    ...index,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
  });
  const host = await run(['pull', `${reg.host}/multi:1`]);
  assert.equal(host.code, 0, host.stderr);
  assert.match(host.stdout, new RegExp(`Digest: ${indexDigest}\\n`), "the repo digest is the index's");
  assert.equal(await inspect(`${reg.host}/multi:1`, '{{.Id}}'), amd.id);
  const other = await run(['pull', '--platform', 'linux/arm64', `${reg.host}/multi:list`]);
  assert.equal(other.code, 0, other.stderr);
  assert.equal(await inspect(`${reg.host}/multi:list`, '{{.Architecture}}'), 'arm64');
  const none = await run(['pull', '--platform', 'linux/s390x', `${reg.host}/multi:1`]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  await ok(['rmi', `${reg.host}/multi:1`]);
  const pinned = await ok(['pull', `${reg.host}/multi@${indexDigest}`]);
  assert.match(pinned, new RegExp(`^${indexDigest}: Pulling from multi\\n`));
  assert.match(pinned, new RegExp(`${reg.host}/multi@${indexDigest}\\n$`));
  assert.equal(await inspect(`${reg.host}/multi@${indexDigest}`, '{{.Id}}'), amd.id);
});

test("push -a sends every tag; pull -a brings every tag back, with Docker's lines", async () => {
  for (const t of ['a', 'b', 'c']) await ok(['tag', 'busybox', `${reg.host}/every:${t}`]);
  const pushed = await ok(['push', '-a', `${reg.host}/every`]);
  assert.equal((pushed.match(/^[abc]: digest: sha256:[0-9a-f]{64} size: \d+$/gm) ?? []).length, 3, pushed);
  const tags = (await (await fetch(`http://${reg.host}/v2/every/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags.sort(), ['a', 'b', 'c']);
  for (const t of ['a', 'b', 'c']) await ok(['rmi', `${reg.host}/every:${t}`]);
  const pulled = await ok(['pull', '-a', `${reg.host}/every`]);
  assert.match(
    pulled,
    /^a: Pulling from every\n[\s\S]*b: Pulling from every\n[\s\S]*c: Pulling from every\n[\s\S]*Status: Downloaded newer image for 127\.0\.0\.1:\d+\/every\n127\.0\.0\.1:\d+\/every\n$/,
  );
  assert.deepEqual(
    (await ok(['images', '--format', '{{.Tag}}', `${reg.host}/every`])).split('\n').filter(Boolean).sort(),
    ['a', 'b', 'c'],
  );
  const tagged = await run(['pull', '-a', `${reg.host}/every:a`]);
  assert.equal(tagged.code, 1);
  assert.match(tagged.stderr, /tag can't be used with --all-tags\/-a/);
});

test('daemon.json mirrors for docker.io, in order, then the origin; registries.conf mirrors and locations for any name', async () => {
  const dead = await freePort();
  const mirrored = await image(
    mirror.host,
    'library/busybox',
    'mirrored',
    [[buildTar([{ name: 'from-mirror', data: 'mirror\n' }]), 'gzip']],
    { format: 'docker' },
  );
  fs.writeFileSync(
    daemonJson,
    JSON.stringify({ 'registry-mirrors': [`http://127.0.0.1:${dead}`, `http://${mirror.host}`] }),
  );
  try {
    const r = await run(['pull', 'busybox:mirrored']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await inspect('busybox:mirrored', '{{.Id}}'), mirrored.id);
    assert.ok(
      JSON.parse(await inspect('busybox:mirrored', '{{json .RepoDigests}}'))[0].startsWith('busybox@sha256:'),
      'recorded under its own name',
    );
    // no mirror has it: the origin is asked last (not reachable from here)
    const missing = await run(['pull', 'busybox:nowhere']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /registry-1\.docker\.io/);
  } finally {
    fs.rmSync(daemonJson);
  }
  // registries.conf: the origin's name rewritten to another location, its mirrors first
  await image(reg.host, 'real/app', '1', [[buildTar([{ name: 'origin', data: 'origin\n' }]), 'gzip']], {
    format: 'docker',
  });
  const origin2 = await image(
    reg.host,
    'real/app',
    '2',
    [[buildTar([{ name: 'origin2', data: 'origin 2\n' }]), 'gzip']],
    { format: 'docker' },
  );
  const cached = await image(
    mirror.host,
    'cache/app',
    '1',
    [[buildTar([{ name: 'cached', data: 'cached\n' }]), 'gzip']],
    { format: 'docker' },
  );
  fs.writeFileSync(
    registriesConf,
    `[[registry]]\nprefix = "apps.example/app"\nlocation = "${reg.host}/real/app"\n[[registry.mirror]]\nlocation = "127.0.0.1:${dead}/app"\n[[registry.mirror]]\nlocation = "${mirror.host}/cache/app"\n\n[[registry]]\nlocation = "blocked.example"\nblocked = true\n`,
  );
  try {
    await ok(['pull', 'apps.example/app:1']);
    assert.equal(await inspect('apps.example/app:1', '{{.Id}}'), cached.id, 'the mirror had it');
    await ok(['pull', 'apps.example/app:2']);
    assert.equal(await inspect('apps.example/app:2', '{{.Id}}'), origin2.id, 'the mirror had not: the location');
    const blocked = await run(['pull', 'blocked.example/x']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /registry blocked\.example is blocked in registries\.conf/);
  } finally {
    fs.rmSync(registriesConf);
  }
});

test('progress bars per layer on a terminal, none when piped', async () => {
  const big = buildTar([{ name: 'big', data: Buffer.alloc(4 << 20, 7) }]);
  await image(
    reg.host,
    'bars',
    '1',
    [
      [big, 'none'],
      [buildTar([{ name: 'small', data: 'x' }]), 'gzip'],
    ],
    { format: 'docker' },
  );
  const r = spawnSync('script', ['-qec', `${FRONT_END} pull ${reg.host}/bars:1`, '/dev/null'], {
    env: { ...env.env, ...vars(), COLUMNS: '150' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout);
  // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what this checks
  assert.match(r.stdout, /\x1b\[2K\r[0-9a-f]{12}: Downloading \[=*>\s*\]/, 'a bar is drawn');
  // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what this checks
  assert.match(r.stdout, /\x1b\[\d+A/, 'lines are rewritten in place');
  assert.match(r.stdout, /[0-9a-f]{12}: Pull complete/);
  await ok(['rmi', `${reg.host}/bars:1`]);
  const piped = await ok(['pull', `${reg.host}/bars:1`]);
  // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what this checks
  assert.doesNotMatch(piped, /\x1b|Downloading/);
});
