// push and pull against a real registry (Debian's docker-registry, distribution
// 2.8) on 127.0.0.1, checked from the other side by skopeo and by a real Docker
// 20.10: what stowage pushes they read (same image ID: the config travels byte
// for byte), and what Docker pushes stowage pulls and runs.
//
// Needs root and scripts/setup.sh --with-references (docker.io, docker-registry):
// the test fails, never skips, when either cannot start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { TestEnv, baseTarball } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';
import { startRegistry, type Registry } from '../reference/registry';

const env = new TestEnv('stowage-registry-');
let docker: DockerDaemon;
let reg: Registry;
let baseId: string;

before(async () => {
  baseId = await env.baseImage('busybox:latest');
  reg = await startRegistry();
  docker = await startDockerDaemon();
});
after(async () => {
  await docker?.stop();
  await reg?.stop();
  env.cleanup();
});

const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8' });

test("push: Docker's lines, blobs not sent twice, and skopeo and Docker 20.10 read the image with the same ID", async () => {
  const name = `${reg.host}/base:1`;
  await env.ok(['tag', 'busybox', name]);
  const first = await env.ok(['push', name]);
  const m = new RegExp(
    `^The push refers to repository \\[${reg.host}/base\\]\\n([0-9a-f]{12}): Preparing\\n\\1: Pushed\\n1: digest: (sha256:[0-9a-f]{64}) size: \\d+\\n$`,
  ).exec(first);
  assert.ok(m, first);
  const digest = m[2];
  const again = await env.ok(['push', name]);
  assert.match(again, /: Layer already exists\n/);
  assert.ok(again.endsWith(`1: digest: ${digest} size: ${/size: (\d+)/.exec(first)![1]}\n`), 'the same manifest');
  assert.ok(
    JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', name])).includes(
      `${reg.host}/base@${digest}`,
    ),
  );
  // skopeo: the manifest's digest and the config, byte for byte the image's
  assert.equal(JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${name}`)).Digest, digest);
  const config = execFileSync('skopeo', ['inspect', '--tls-verify=false', '--config', '--raw', `docker://${name}`]);
  assert.equal(`sha256:${createHash('sha256').update(config).digest('hex')}`, baseId);
  // Docker pulls it: the same image ID, and it runs
  const pulled = await docker.docker(['pull', name]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
  assert.equal((await docker.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), baseId);
  assert.match(await docker.ok(['run', '--rm', '--network', 'none', name, 'cat', '/etc/passwd']), /^root:/);
});

test('pull: what Docker 20.10 pushed, with its digest; then by digest; and a pull of what is there is up to date', async () => {
  const name = `${reg.host}/fromdocker:1`;
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), name]);
  const pushed = await docker.ok(['push', name]);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1];
  const dockerId = (await docker.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim();
  const r = await env.run(['pull', name]);
  assert.equal(r.code, 0, r.stderr);
  // (its one layer is the busybox base's, which the store has)
  assert.match(
    r.stdout,
    new RegExp(
      `^1: Pulling from fromdocker\\n[0-9a-f]{12}: Already exists\\nDigest: ${digest}\\nStatus: Downloaded newer image for ${name}\\n${name}\\n$`,
    ),
  );
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), dockerId);
  assert.equal(
    await env.ok(['run', '--rm', '--network', 'none', name, 'cat', '/etc/group']),
    execFileSync('tar', ['-xOf', baseTarball(), './etc/group'], { encoding: 'utf8' }),
  );
  assert.match(await env.ok(['pull', name]), /Status: Image is up to date for /);
  // by digest, after the image is gone: no tag, the digest in `images --digests`
  await env.ok(['rmi', name]);
  const byDigest = await env.ok(['pull', `${reg.host}/fromdocker@${digest}`]);
  assert.match(byDigest, new RegExp(`^${digest}: Pulling from fromdocker\\n`));
  assert.match(
    await env.ok(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']),
    new RegExp(`^${reg.host}/fromdocker <none> ${digest}$`, 'm'),
  );
  assert.equal(
    (await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/fromdocker@${digest}`])).trim(),
    dockerId,
  );
});

test('run and build pull what the store does not have; push of a missing tag is refused as Docker does', async () => {
  await env.ok(['rmi', '-f', `${reg.host}/base:1`]);
  const run = await env.run(['run', '--rm', '--network', 'none', `${reg.host}/base:1`, 'echo', 'pulled and ran']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'pulled and ran\n');
  assert.match(
    run.stderr,
    new RegExp(
      `^Unable to find image '${reg.host}/base:1' locally\\n1: Pulling from base\\n[\\s\\S]*Status: Downloaded newer image for ${reg.host}/base:1\\n$`,
    ),
  );
  await env.ok(['rmi', `${reg.host}/base:1`]);
  const built = await env.run(['build', '-q', '--network', 'none', '-'], {
    input: `FROM ${reg.host}/base:1\nRUN echo built > /built\n`,
  });
  assert.equal(built.code, 0, built.stderr);
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', built.stdout.trim(), 'cat', '/built']), 'built\n');
  const missing = await env.run(['push', `${reg.host}/nothere:1`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`An image does not exist locally with the tag: ${reg.host}/nothere`));
});

test('a layer of random and text megabytes (stored and deflated segments) is read back by Docker 20.10, file for file', async () => {
  const name = `${reg.host}/mixed:1`;
  const built = await env.run(['build', '-q', '--network', 'none', '-t', name, '-'], {
    input:
      'FROM busybox\nRUN head -c 3145728 /dev/urandom > /random && seq 1 400000 > /numbers && cat /random /numbers | sha256sum > /sums\n',
  });
  assert.equal(built.code, 0, built.stderr);
  const pushed = await env.ok(['push', name]);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1];
  // the blob is smaller than its tar only by the text: the random megabytes are stored
  const manifest = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${name}`)) as {
    layers: Array<{ size: number }>;
  };
  const top = manifest.layers[manifest.layers.length - 1].size;
  assert.ok(top > 3 << 20 && top < (3 << 20) + (1 << 20), `top layer blob of ${top} bytes`);
  const pulled = await docker.docker(['pull', name]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
  const check = 'cat /random /numbers | sha256sum | cmp - /sums && echo same';
  assert.equal(await docker.ok(['run', '--rm', '--network', 'none', name, 'sh', '-c', check]), 'same\n');
});
