// save and load round trips, determinism, bad input and interrupted loads.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, listTree, CLI } from '../helpers';
import { buildTar } from '../tar-builder';

const env = new TestEnv();
after(() => env.cleanup());
before(async () => {
  await env.baseImage('busybox:latest');
  const layer = path.join(env.dir, 'app.tar');
  fs.writeFileSync(
    layer,
    buildTar([
      { name: 'www/', type: 'directory' },
      { name: 'www/index.html', data: '<h1>lottery</h1>\n' },
    ]),
  );
  await env.ok(['import', layer, 'app:v1']);
});

const inspect = async (ref: string) => JSON.parse(await env.ok(['image', 'inspect', ref]))[0];

test('save, rmi, load gives back the same image', async () => {
  const before = await inspect('busybox:latest');
  const hist = [
    'history',
    '--no-trunc',
    '--human=false',
    '--format',
    '{{.ID}}|{{.CreatedAt}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}',
    'busybox',
  ];
  const historyBefore = await env.ok(hist);
  const file = path.join(env.dir, 'bb.tar');
  assert.equal(await env.ok(['save', '-o', file, 'busybox:latest']), '');
  assert.match(await env.ok(['rmi', 'busybox:latest']), /Untagged: busybox:latest\nDeleted: sha256:/);
  assert.equal((await env.run(['image', 'inspect', before.Id])).code, 1);
  assert.equal(await env.ok(['load', '-i', file]), 'Loaded image: busybox:latest\n');
  const after = await inspect('busybox:latest');
  assert.equal(after.Id, before.Id);
  assert.deepEqual(after.RepoTags, before.RepoTags);
  assert.deepEqual(after.RootFS.Layers, before.RootFS.Layers);
  assert.deepEqual(after.Config, before.Config);
  assert.equal(after.Size, before.Size);
  assert.equal(await env.ok(hist), historyBefore);
});

test("layers are unpacked under a directory with ext4's top-directory flag (chattr +T), where the filesystem has it", async () => {
  const file = path.join(env.dir, 'app.tar');
  await env.ok(['save', '-o', file, 'app:v1']);
  await env.ok(['load', '-i', file]);
  const tmp = path.join(env.root, 'tmp');
  const EXT4_MAGIC = 0xef53;
  if (fs.statfsSync(tmp).type !== EXT4_MAGIC) return; // the flag is ext4's; elsewhere markTopDir reports false
  const attrs = execFileSync('lsattr', ['-d', tmp], { encoding: 'utf8' }).split(' ')[0];
  assert.match(attrs, /T/, `lsattr -d ${tmp}: ${attrs}`);
});

test('the same image saved twice gives byte-identical archives, to a file or to a pipe', async () => {
  const a = path.join(env.dir, 'a.tar');
  const b = path.join(env.dir, 'b.tar');
  await env.ok(['save', '-o', a, 'busybox', 'app:v1']);
  await env.ok(['save', '-o', b, 'busybox', 'app:v1']);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  const piped = spawnSync(process.execPath, [CLI, 'save', 'busybox', 'app:v1'], { env: env.env, maxBuffer: 1 << 28 });
  assert.equal(piped.status, 0);
  assert.ok(piped.stdout.equals(fs.readFileSync(a)));
});

test('the archive has the Docker 25 layout: OCI layout, manifest.json, repositories', async () => {
  const file = path.join(env.dir, 'layout.tar');
  await env.ok(['save', '-o', file, 'busybox:latest', 'app:v1']);
  const names = execFileSync('tar', ['tf', file], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(
    names.filter((n) => !/^blobs\/sha256\/./.test(n)),
    ['blobs/', 'blobs/sha256/', 'index.json', 'manifest.json', 'oci-layout', 'repositories'],
  );
  const x = path.join(env.dir, 'layout');
  fs.mkdirSync(x);
  execFileSync('tar', ['xf', file, '-C', x]);
  const manifest = JSON.parse(fs.readFileSync(path.join(x, 'manifest.json'), 'utf8'));
  const bb = await inspect('busybox');
  assert.equal(manifest[0].Config, `blobs/sha256/${bb.Id.slice(7)}`);
  assert.deepEqual(manifest[0].RepoTags, ['busybox:latest']);
  assert.deepEqual(
    manifest[0].Layers,
    bb.RootFS.Layers.map((l: string) => `blobs/sha256/${l.slice(7)}`),
  );
  // each blob is named by its digest
  for (const blob of fs.readdirSync(path.join(x, 'blobs', 'sha256'))) {
    const sum = execFileSync('sha256sum', [path.join(x, 'blobs', 'sha256', blob)], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(sum, blob);
  }
  const index = JSON.parse(fs.readFileSync(path.join(x, 'index.json'), 'utf8'));
  assert.equal(index.manifests.length, 2);
  assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'docker.io/library/busybox:latest');
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'latest');
  const repos = JSON.parse(fs.readFileSync(path.join(x, 'repositories'), 'utf8'));
  assert.deepEqual(Object.keys(repos).sort(), ['app', 'busybox']);
  assert.equal(repos.busybox.latest, bb.RootFS.Layers.at(-1).slice(7));
});

test('saving by ID writes no tag; loading it gives an untagged image', async () => {
  const id = (await inspect('app:v1')).Id;
  const file = path.join(env.dir, 'byid.tar');
  await env.ok(['save', '-o', file, id.slice(7, 19)]);
  const manifest = JSON.parse(execFileSync('tar', ['xOf', file, 'manifest.json'], { encoding: 'utf8' }));
  assert.equal(manifest[0].RepoTags, null);
  assert.ok(!execFileSync('tar', ['tf', file], { encoding: 'utf8' }).includes('repositories'));
  const other = new TestEnv();
  try {
    assert.equal(await other.ok(['load', '-i', file]), `Loaded image ID: ${id}\n`);
  } finally {
    other.cleanup();
  }
});

test('several images share their layers once; a repository name saves all its tags', async () => {
  await env.ok(['tag', 'app:v1', 'app:v1b']);
  const file = path.join(env.dir, 'repo.tar');
  await env.ok(['save', '-o', file, 'app']);
  const manifest = JSON.parse(execFileSync('tar', ['xOf', file, 'manifest.json'], { encoding: 'utf8' }));
  assert.equal(manifest.length, 1);
  assert.deepEqual(manifest[0].RepoTags.sort(), ['app:v1', 'app:v1b']);
  const both = path.join(env.dir, 'both.tar');
  await env.ok(['tag', 'busybox', 'bb2:latest']);
  await env.ok(['save', '-o', both, 'busybox', 'bb2']);
  const blobs = execFileSync('tar', ['tf', both], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => /^blobs\/sha256\/./.test(n));
  assert.equal(blobs.length, new Set(blobs).size);
  assert.equal(JSON.parse(execFileSync('tar', ['xOf', both, 'manifest.json'], { encoding: 'utf8' })).length, 1);
});

test('load reads compressed archives and moves a tag taken from another image', async () => {
  const file = path.join(env.dir, 'c.tar');
  await env.ok(['save', '-o', file, 'app:v1']);
  const id = (await inspect('app:v1')).Id;
  for (const [tool, args] of [
    ['gzip', ['-c']],
    ['bzip2', ['-c']],
    ['xz', ['-c']],
    ['zstd', ['-c', '-q']],
  ] as const) {
    const other = new TestEnv();
    try {
      const c = path.join(other.dir, `c.${tool}`);
      fs.writeFileSync(c, execFileSync(tool, [...args, file], { maxBuffer: 1 << 28 }));
      assert.equal(await other.ok(['load', '-q', '-i', c]), 'Loaded image: app:v1\n', tool);
      assert.equal((await other.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:v1'])).trim(), id);
    } finally {
      other.cleanup();
    }
  }
  // app:v1 now points elsewhere; loading the archive takes the tag back
  const layer = path.join(env.dir, 'other.tar');
  fs.writeFileSync(layer, buildTar([{ name: 'other', data: 'x' }]));
  const otherId = (await env.ok(['import', layer, 'app:v1'])).trim();
  const out = await env.ok(['load', '-i', file]);
  assert.equal(
    out,
    `The image app:v1 already exists, renaming the old one with ID ${otherId} to empty string\nLoaded image: app:v1\n`,
  );
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:v1'])).trim(), id);
  assert.equal(JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .RepoTags}}', otherId])).length, 0);
});

test('save refuses a terminal, unknown images and unwritable paths', async () => {
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} save busybox`, '/dev/null'], {
    env: env.env,
    encoding: 'utf8',
  });
  assert.notEqual(tty.status, 0);
  assert.match(tty.stdout, /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
  const r = await env.run(['save', '-o', path.join(env.dir, 'x.tar'), 'nonexistent:1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No such image: nonexistent:1/);
  assert.ok(!fs.existsSync(path.join(env.dir, 'x.tar')));
  assert.deepEqual(
    fs.readdirSync(env.dir).filter((n) => n.includes('.tmp')),
    [],
  );
  const r2 = await env.run(['save', '-o', '/nonexistent-dir/x.tar', 'busybox']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /invalid output path/);
});

test('save refuses a layer whose files changed on disk: no archive to a file, a failed pipe', async () => {
  const layer = path.join(env.dir, 'tamper.tar');
  const body = Buffer.alloc(3_000_000 + 17, 'abc'); // several of save's 1 MB chunks, ending in a short one
  fs.writeFileSync(
    layer,
    buildTar([
      { name: 'data/', type: 'directory' },
      { name: 'data/big.bin', data: body },
      { name: 'data/small.txt', data: 'x\n' },
    ]),
  );
  await env.ok(['import', layer, 'tamper:v1']);
  const good = path.join(env.dir, 'tamper-good.tar');
  await env.ok(['save', '-o', good, 'tamper:v1']);
  const upper = (await inspect('tamper:v1')).GraphDriver.Data.UpperDir as string;
  fs.writeFileSync(path.join(upper, 'data', 'big.bin'), Buffer.alloc(body.length, 'abd')); // same size, other bytes
  const out = path.join(env.dir, 'tamper-bad.tar');
  const r = await env.run(['save', '-o', out, 'tamper:v1']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /cannot save layer sha256:[0-9a-f]{64}: its content does not match it .*the layer store is damaged/,
  );
  assert.ok(!fs.existsSync(out), 'no archive left behind');
  assert.deepEqual(
    fs.readdirSync(env.dir).filter((n) => n.includes('.tmp')),
    [],
  );
  const piped = spawnSync(process.execPath, [CLI, 'save', 'tamper:v1'], { env: env.env, maxBuffer: 1 << 28 });
  assert.notEqual(piped.status, 0);
  assert.match(piped.stderr.toString(), /does not match/);
  assert.ok(!piped.stdout.includes(Buffer.from('manifest.json')), 'the piped archive stops before its manifest');
  fs.writeFileSync(path.join(upper, 'data', 'big.bin'), body);
  assert.ok(
    fs
      .readFileSync(good)
      .equals(execFileSync(process.execPath, [CLI, 'save', 'tamper:v1'], { env: env.env, maxBuffer: 1 << 28 })),
  );
});

test('on a terminal load shows a progress bar per layer; piped it prints only the result', async () => {
  const file = path.join(env.dir, 'p.tar');
  await env.ok(['save', '-o', file, 'busybox']);
  const other = new TestEnv();
  try {
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} load -i ${file}`, '/dev/null'], {
      env: other.env,
      encoding: 'utf8',
    });
    assert.equal(tty.status, 0);
    assert.match(tty.stdout, /[0-9a-f]{12}: Loading layer \[=+>\s*\]\s+\S+\/\S+/);
    assert.match(tty.stdout, /Loaded image: busybox:latest/);
    const quiet = spawnSync('script', ['-qec', `${process.execPath} ${CLI} load -q -i ${file}`, '/dev/null'], {
      env: other.env,
      encoding: 'utf8',
    });
    assert.doesNotMatch(quiet.stdout, /Loading layer/);
  } finally {
    other.cleanup();
  }
});

test('a load killed with SIGKILL leaves no visible image, and the next command cleans up', async () => {
  // a big enough archive that the kill lands mid-way
  const big = path.join(env.dir, 'big.tar');
  const rnd = fs.openSync('/dev/urandom', 'r');
  const data = Buffer.alloc(64 << 20);
  fs.readSync(rnd, data);
  fs.closeSync(rnd);
  fs.writeFileSync(path.join(env.dir, 'big-layer.tar'), buildTar([{ name: 'blob', data }]));
  await env.ok(['import', path.join(env.dir, 'big-layer.tar'), 'big:1']);
  await env.ok(['save', '-o', big, 'big:1']);
  await env.ok(['rmi', 'big:1']);
  const before = await env.ok(['images', '-a', '-q', '--no-trunc']);
  const child = spawn(process.execPath, [CLI, 'load', '-i', big], { env: env.env, stdio: 'ignore' });
  const closed = new Promise<string | null>((r) => child.on('close', (_code, signal) => r(signal)));
  // kill it once it is unpacking a layer into the store's temporary area
  const tmp = path.join(env.root, 'tmp');
  for (let i = 0; i < 2000 && !fs.readdirSync(tmp).some((n) => n.startsWith('layer-')); i++)
    await new Promise((r) => setTimeout(r, 2));
  child.kill('SIGKILL');
  assert.equal(await closed, 'SIGKILL', 'the load was killed before it finished');
  assert.ok(fs.readdirSync(tmp).length > 0, 'it left a half-unpacked layer behind');
  assert.equal(await env.ok(['images', '-a', '-q', '--no-trunc']), before);
  await env.ok(['image', 'prune', '-f']);
  assert.deepEqual(fs.readdirSync(path.join(env.root, 'tmp')), []);
  const layerDirs = listTree(path.join(env.root, 'overlay')).filter((p) => !p.includes('/'));
  const used = new Set<string>();
  for (const id of (await env.ok(['images', '-a', '-q', '--no-trunc'])).trim().split('\n')) {
    for (const l of (
      await env.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}:{{.GraphDriver.Data.LowerDir}}', id])
    )
      .trim()
      .split(':')) {
      if (l && l !== '<no value>') used.add(path.basename(path.dirname(l)));
    }
  }
  assert.deepEqual(layerDirs.filter((d) => d !== 'l').sort(), [...used].sort(), 'only layers of images remain');
});
