// `image explain` and `system df -v` beside a real Docker 20.10: the same two
// images built on the same base by both, the same SHARED SIZE and UNIQUE SIZE
// (build intermediates left out, as Docker does), explain's figures adding up
// to them, and explain's layer sizes, read from Docker's own saved archive,
// equal to what Docker's `history` says each layer weighs.
//
// Needs root and Debian's docker.io (scripts/setup.sh --with-references): the
// test fails, never skips, when the reference daemon cannot start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, baseTarball, type Result } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';
import { humanSize } from '../../src/util/units';
import type { ExplainReport } from '../../src/explain/types';

const env = new TestEnv('stowage-explain-interop-');
let docker: DockerDaemon;

type Side = 'docker' | 'stowage';
const sides: Side[] = ['docker', 'stowage'];

function run(side: Side, args: string[]): Promise<Result> {
  return side === 'docker' ? docker.docker(args, { env: { DOCKER_BUILDKIT: '0' } }) : env.run(args);
}

async function ok(side: Side, args: string[]): Promise<string> {
  const r = await run(side, args);
  if (r.code !== 0)
    throw new Error(`${side} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

const APPS: Record<string, string> = {
  one: 'FROM busybox\nCOPY page.html /www/\nRUN dd if=/dev/zero of=/www/big bs=1k count=300 && echo x > /www/keep\nRUN rm /www/big\n',
  two: 'FROM busybox\nCOPY page.html /www/\nCMD ["httpd", "-f", "-h", "/www"]\n',
};

before(async () => {
  docker = await startDockerDaemon();
  for (const side of sides) {
    await ok(side, [
      'import',
      '-c',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '-c',
      'CMD ["sh"]',
      baseTarball(),
      'busybox',
    ]);
    for (const [app, dockerfile] of Object.entries(APPS)) {
      const ctx = path.join(env.dir, `${side}-${app}`);
      fs.mkdirSync(ctx);
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      fs.writeFileSync(path.join(ctx, 'page.html'), `<h1>${app}</h1>\n`.repeat(app === 'one' ? 50 : 70));
      await ok(side, ['build', '-q', '-t', `app:${app}`, ctx]);
    }
  }
});
after(async () => {
  await docker?.stop();
  env.cleanup();
});

/** `system df -v`'s image rows as "REPOSITORY:TAG SIZE SHARED UNIQUE CONTAINERS" (IDs and times differ by side). */
async function dfImages(side: Side): Promise<string[]> {
  const out = await ok(side, ['system', 'df', '-v']);
  const lines = out.split('\n\n')[1].split('\n');
  return lines
    .map((l) => {
      const c = l.split(/\s{2,}/);
      return [`${c[0]}:${c[1]}`, ...c.slice(4)].join(' ');
    })
    .sort();
}

test('system df -v: the same images, SHARED SIZE and UNIQUE SIZE as Docker 20.10 (no build intermediates)', async () => {
  const [d, s] = [await dfImages('docker'), await dfImages('stowage')];
  assert.deepEqual(s, d);
  assert.equal(s.length, 4, `header + busybox + two apps: ${s.join(' | ')}`);
  const summary = async (side: Side) =>
    (await ok(side, ['system', 'df'])).split('\n').find((l) => l.startsWith('Images'));
  assert.equal(await summary('stowage'), await summary('docker'));
});

test("explain's shared and unique bytes are system df -v's", async () => {
  const rows = new Map((await dfImages('stowage')).map((r) => [r.split(' ')[0], r.split(' ')]));
  for (const app of Object.keys(APPS)) {
    const r = JSON.parse(await ok('stowage', ['image', 'explain', '--format', 'json', `app:${app}`])) as ExplainReport;
    assert.deepEqual(rows.get(`app:${app}`)?.slice(2, 4), [humanSize(r.sharedBytes), humanSize(r.uniqueBytes)]);
    assert.equal(r.sharedBytes + r.uniqueBytes, r.size);
  }
});

test("explained from Docker's own archive: layer sizes as Docker's history gives them, the deleted file as waste", async () => {
  const archive = path.join(env.dir, 'docker-one.tar');
  await ok('docker', ['save', '-o', archive, 'app:one']);
  const r = JSON.parse(
    await ok('stowage', ['image', 'explain', '--format', 'json', '--archive', archive]),
  ) as ExplainReport;
  const history = (
    await ok('docker', ['history', '--no-trunc', '--human=false', '--format', '{{.CreatedBy}}\t{{.Size}}', 'app:one'])
  )
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  for (const l of r.layers) {
    const row = history.find(([by]) => by === l.createdBy);
    assert.ok(row, `docker history has a row for ${l.createdBy || l.comment}`);
    assert.equal(l.size, Number(row[1]), `size of ${l.createdBy || l.comment}`);
  }
  assert.equal(r.wastedBytes, 300 * 1024);
  assert.deepEqual(
    r.waste.map((w) => w.path),
    ['/www/big'],
  );
  const dockerSize = Number((await ok('docker', ['image', 'inspect', '-f', '{{.Size}}', 'app:one'])).trim());
  assert.equal(r.size, dockerSize, "the size Docker's images shows");
});
