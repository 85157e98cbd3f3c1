// The same Dockerfile and context built by stowage and by a real Docker 20.10's
// classic builder (DOCKER_BUILDKIT=0): the same steps printed, the same history
// texts and sizes, the same config, the same cache hits and the same failure.
//
// Needs root and Debian's docker.io (scripts/setup.sh --with-references): the
// test fails, never skips, when the reference daemon cannot start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, baseTarball, type Result } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-build-interop-');
let docker: DockerDaemon;
let ctx: string;

const DOCKERFILE = [
  'ARG BASE=busybox',
  'FROM $BASE',
  'ARG VER=1',
  'ENV APP=/app \\',
  '    X="y z"',
  '# a comment',
  'LABEL a=b "c d"=e',
  'WORKDIR $APP',
  'COPY a.txt .',
  'COPY sub /dst/',
  'ADD a.txt sub/b.txt /multi/',
  'RUN echo built $VER > /built.txt && cat /built.txt',
  'RUN ["echo", "exec form"]',
  'SHELL ["/bin/sh", "-ec"]',
  'RUN echo shelled',
  'EXPOSE 80 53/udp 7000-7001',
  'USER nobody',
  'VOLUME /data ["/not-json"]',
  'STOPSIGNAL SIGKILL',
  'ONBUILD RUN echo later',
  'HEALTHCHECK --interval=5s --retries=3 CMD true',
  'ENTRYPOINT ["/bin/echo"]',
  'CMD ["hello"]',
  '',
].join('\n');

type Side = 'docker' | 'stowage';
const sides: Side[] = ['docker', 'stowage'];

function run(side: Side, args: string[], input?: string): Promise<Result> {
  return side === 'docker' ? docker.docker(args, { env: { DOCKER_BUILDKIT: '0' }, input }) : env.run(args, { input });
}

async function ok(side: Side, args: string[]): Promise<string> {
  const r = await run(side, args);
  if (r.code !== 0)
    throw new Error(`${side} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/**
 * The build's lines with IDs masked. Docker's daemon-only lines are left out: the
 * context upload, and the throwaway containers it makes for metadata steps (stowage
 * makes none; its RUN steps print theirs as Docker does).
 */
function steps(out: string): string[] {
  const lines = out.split('\n').filter((l) => !l.startsWith('Sending build context'));
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const running = /^ ---> Running in ([0-9a-f]{12})$/.exec(lines[i]);
    if (running && lines[i + 1] === `Removing intermediate container ${running[1]}`) {
      i++; // a step with no output of its own: a metadata step on Docker's side
      continue;
    }
    kept.push(lines[i].replace(/[0-9a-f]{12}/g, 'ID'));
  }
  return kept;
}

before(async () => {
  docker = await startDockerDaemon();
  const tarball = baseTarball();
  for (const side of sides)
    await ok(side, [
      'import',
      '-c',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '-c',
      'CMD ["sh"]',
      tarball,
      'busybox',
    ]);
  ctx = path.join(env.dir, 'ctx');
  fs.mkdirSync(path.join(ctx, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), DOCKERFILE);
  fs.writeFileSync(path.join(ctx, 'a.txt'), 'hello\n');
  fs.writeFileSync(path.join(ctx, 'sub', 'b.txt'), 'sub\n');
  fs.writeFileSync(path.join(ctx, 'ignored.txt'), 'no\n');
  fs.writeFileSync(path.join(ctx, '.dockerignore'), 'ignored.txt\n');
});
after(async () => {
  await docker?.stop();
  env.cleanup();
});

test('the same Dockerfile: the same steps, history, sizes and config as Docker 20.10', async () => {
  const out: Record<Side, string> = { docker: '', stowage: '' };
  for (const side of sides)
    out[side] = await ok(side, [
      'build',
      '--network',
      'none',
      '--label',
      'z=last',
      '--label',
      'a=first',
      '-t',
      'app:v1',
      ctx,
    ]);
  assert.deepEqual(steps(out.stowage), steps(out.docker));
  assert.equal(
    steps(out.docker).filter((l) => l.startsWith('Step ')).length,
    23,
    'the ARG before FROM, 20 steps, a step per label',
  );
  assert.ok(steps(out.docker).includes('Successfully tagged app:v1'));
  const history = async (side: Side) =>
    (await ok(side, ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'app:v1'])).replace(
      /(file|dir|multi):[0-9a-f]{64}/g,
      '$1:HASH',
    );
  assert.equal(await history('stowage'), await history('docker'));
  const config = async (side: Side) => {
    const [img] = JSON.parse(await ok(side, ['image', 'inspect', 'app:v1']));
    const { Image: _i, Hostname: _h, ...rest } = img.Config;
    return {
      config: rest,
      layers: img.RootFS.Layers.length,
      author: img.Author,
      size: img.Size,
      parentSet: !!img.Parent,
    };
  };
  assert.deepEqual(await config('stowage'), await config('docker'));
  // what RUN made: the same files
  for (const side of sides) {
    assert.equal(
      await ok(side, [
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'cat',
        'app:v1',
        '/built.txt',
        '/app/a.txt',
        '/dst/b.txt',
        '/multi/b.txt',
      ]),
      'built 1\nhello\nsub\nsub\n',
      side,
    );
  }
});

test('a second build comes from the cache on both; a changed file misses it from its COPY on', async () => {
  const hits = async (side: Side) =>
    ((await ok(side, ['build', '--network', 'none', ctx])).match(/ ---> Using cache/g) ?? []).length;
  const all = await hits('docker');
  assert.equal(all, 19);
  assert.equal(await hits('stowage'), all);
  fs.writeFileSync(path.join(ctx, 'sub', 'b.txt'), 'changed\n');
  const some = await hits('docker');
  assert.equal(some, 5, 'up to COPY sub');
  assert.equal(await hits('stowage'), some);
});

test('a failing RUN: the same output, message and exit code', async () => {
  const dockerfile = 'FROM busybox\nRUN echo out; exit 3\n';
  const r: Record<Side, Result> = {
    docker: await run('docker', ['build', '--network', 'none', '-'], dockerfile),
    stowage: await run('stowage', ['build', '--network', 'none', '-'], dockerfile),
  };
  assert.equal(r.stowage.code, r.docker.code);
  assert.deepEqual(steps(r.stowage.stdout), steps(r.docker.stdout));
  const message = (s: string) => s.split('\n').filter((l) => l.startsWith('The command'));
  assert.deepEqual(message(r.stowage.stderr), message(r.docker.stderr));
});
