// The archives stowage saves are read by the real tools: Docker 20.10 loads and
// runs them, podman 4 loads them, skopeo inspects and converts them. And a
// container changed the same way in stowage and in Docker shows the same `diff`.
// Needs root and scripts/setup.sh --with-references; fails rather than skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, baseTarball } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-interop-');
let docker: DockerDaemon;
let archive: string;
const CHANGES =
  'mkdir -p /www && echo "<h1>hello</h1>" > /www/hello.html && rm /bin/vi && echo y > /tmp/t && echo z >> /etc/passwd && mkfifo /tmp/fifo && ln /www/hello.html /www/hard.html';

before(async () => {
  docker = await startDockerDaemon();
  await env.baseImage('busybox:latest');
  await env.ok(['run', '-id', '--name', 'lesson', 'busybox']);
  await env.ok(['exec', 'lesson', 'sh', '-c', CHANGES]);
  await env.ok(['commit', '-m', 'hello page', '-c', 'CMD ["cat","/www/hello.html"]', 'lesson', 'app:v2']);
  archive = path.join(env.dir, 'app.tar');
  await env.ok(['save', '-o', archive, 'app:v2']);
});
after(async () => {
  await docker?.stop();
  await env.run(['rm', '-f', 'lesson']);
  env.cleanup();
});

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test('Docker 20.10 loads the archive: same ID, tags and layers, and the image runs', async () => {
  const [mine] = JSON.parse(await env.ok(['image', 'inspect', 'app:v2']));
  assert.match(await docker.ok(['load', '-i', archive]), /Loaded image: app:v2/);
  const [theirs] = JSON.parse(await docker.ok(['image', 'inspect', 'app:v2']));
  assert.equal(theirs.Id, mine.Id);
  assert.deepEqual(theirs.RepoTags, mine.RepoTags);
  assert.deepEqual(theirs.RootFS.Layers, mine.RootFS.Layers);
  assert.equal(theirs.Size, mine.Size);
  assert.equal(await docker.ok(['run', '--rm', '--network', 'none', 'app:v2']), '<h1>hello</h1>\n');
  assert.notEqual(
    (await docker.docker(['run', '--rm', '--network', 'none', 'app:v2', 'ls', '/bin/vi'])).code,
    0,
    'the whiteout hides vi in Docker too',
  );
  // and what Docker saves, stowage loads back to the same image
  const back = path.join(env.dir, 'from-docker.tar');
  await docker.ok(['save', '-o', back, 'app:v2']);
  const other = new TestEnv();
  try {
    assert.equal(await other.ok(['load', '-i', back]), 'Loaded image: app:v2\n');
    assert.equal((await other.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:v2'])).trim(), mine.Id);
  } finally {
    other.cleanup();
  }
});

test('podman 4 loads the archive with the same image ID', () => {
  const root = fs.mkdtempSync(path.join(env.dir, 'podman-'));
  const args = ['--root', path.join(root, 'root'), '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs'];
  try {
    assert.match(tool('podman', [...args, 'load', '-i', archive]), /Loaded image: (docker\.io\/library\/)?app:v2/);
    const id = tool('podman', [...args, 'image', 'inspect', '--format', '{{.Id}}', 'app:v2']).trim();
    const mine = JSON.parse(
      spawnSync(
        process.execPath,
        [path.join(__dirname, '..', '..', '..', 'bin', 'stowage'), 'image', 'inspect', 'app:v2'],
        { env: env.env, encoding: 'utf8' },
      ).stdout,
    )[0].Id;
    assert.equal(`sha256:${id}`, mine);
  } finally {
    spawnSync('podman', [...args, 'system', 'reset', '-f'], { stdio: 'ignore' });
  }
});

test('skopeo inspects the archive and copies it to an OCI layout', () => {
  const info = JSON.parse(tool('skopeo', ['inspect', `docker-archive:${archive}`]));
  assert.equal(info.Layers.length, 2);
  const oci = path.join(env.dir, 'oci');
  tool('skopeo', ['copy', `docker-archive:${archive}`, `oci:${oci}:app`]);
  const index = JSON.parse(fs.readFileSync(path.join(oci, 'index.json'), 'utf8'));
  assert.equal(index.manifests.length, 1);
  const raw = JSON.parse(tool('skopeo', ['inspect', '--raw', `oci:${oci}:app`]));
  assert.equal(raw.layers.length, 2);
});

test('the same changes give the same `diff` in stowage and in Docker', async () => {
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
  await docker.ok(['run', '-id', '--network', 'none', '--name', 'lesson', 'busybox']);
  await docker.ok(['exec', 'lesson', 'sh', '-c', CHANGES]);
  // Docker walks its change tree through Go maps: the order of its lines varies from run to run
  const lines = (s: string) =>
    s
      .trim()
      .split('\n')
      .sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1));
  const theirs = await docker.ok(['diff', 'lesson']);
  const mine = await env.ok(['diff', 'lesson']);
  assert.deepEqual(lines(mine), lines(theirs));
  assert.deepEqual(mine.trim().split('\n'), lines(mine), 'stowage prints them in path order');
});
