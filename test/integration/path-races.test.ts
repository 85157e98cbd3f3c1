// Hostile containers against cp, export and commit: real racer processes in
// real containers swap a directory and a symlink to a host directory
// (renameat2 RENAME_EXCHANGE, test/fixtures/src/swap-racer.c) while stowage
// reads and writes their files, a bounded number of tries each. Nothing may
// ever be written to, or read from, the host directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, TestEnv } from '../helpers';

const TRIES = 30;
const env = new TestEnv();
let racer: string;
let hostDir: string;
const SECRET = `host-secret-${process.pid}`;

before(async () => {
  await env.baseImage('busybox:latest');
  racer = path.join(env.dir, 'swap-racer');
  execFileSync('gcc', ['-static', '-O2', '-o', racer, path.join(REPO, 'test', 'fixtures', 'src', 'swap-racer.c')]);
  // the host directory the racers' symlinks name: it must stay as it is
  hostDir = path.join(env.dir, 'host-dir');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'secret'), SECRET);
  fs.writeFileSync(path.join(hostDir, 'host-only'), SECRET);
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

const hostDirUntouched = () =>
  assert.deepEqual(
    fs.readdirSync(hostDir).sort(),
    ['host-only', 'secret'],
    'nothing was written into the host directory',
  );

/** A container swapping `<dir>/sub` (a directory) and `<dir>/link` (a symlink to the host directory) forever. */
async function startRacer(name: string, args: string[], dir: string): Promise<void> {
  await env.ok([
    'run',
    '-d',
    '--name',
    name,
    '--cpus',
    '0.5',
    ...args,
    '-v',
    `${racer}:/swap-racer:ro`,
    'busybox',
    'sh',
    '-c',
    `mkdir -p ${dir}/sub && echo container-file > ${dir}/sub/secret && ln -s ${hostDir} ${dir}/link && exec /swap-racer ${dir}/sub ${dir}/link`,
  ]);
  // it runs: the two names are seen trading places (`run -d` returns before the shell has made them, and a
  // loaded machine may give the racer its first time slice late: look for up to 30 s)
  const seen = await env.ok([
    'exec',
    name,
    'sh',
    '-c',
    `for t in $(seq 300); do for i in $(seq 200); do if [ -L ${dir}/sub ]; then l=1; elif [ -d ${dir}/sub ]; then d=1; fi; [ "$l$d" = 11 ] && { echo swapping; exit; }; done; sleep 0.1; done; echo "not swapping: $l$d"`,
  ]);
  assert.equal(seen, 'swapping\n');
}

test('cp into and out of a container while another container sharing its volume swaps a directory for a symlink to the host', async () => {
  await startRacer('vol-racer', ['-v', 'shared:/vol'], '/vol');
  await env.ok(['run', '-d', '--name', 'vol-target', '-v', 'shared:/vol', 'busybox', 'sleep', '600']);
  const payload = path.join(env.dir, 'payload');
  fs.writeFileSync(payload, 'payload');
  let copiedIn = 0;
  let copiedOut = 0;
  for (let i = 0; i < TRIES; i++) {
    // into the container: the payload lands in the volume, never in the host directory
    if ((await env.run(['cp', payload, `vol-target:/vol/sub/payload-${i}`])).code === 0) copiedIn++;
    hostDirUntouched();
    // out of it: the container's file or nothing, never the host's
    const out = path.join(env.dir, `out-${i}`);
    if ((await env.run(['cp', 'vol-target:/vol/sub/secret', out])).code === 0) {
      copiedOut++;
      assert.equal(fs.readFileSync(out, 'utf8'), 'container-file\n', `try ${i}: the container's file, not the host's`);
    }
    const tar = await env.run(['cp', 'vol-target:/vol/sub', '-']);
    assert.ok(!tar.stdout.includes(SECRET), `try ${i}: the host's file is not in the tar`);
  }
  assert.ok(
    copiedIn > 0 && copiedOut > 0,
    `copies went through while the racer ran (in ${copiedIn}, out ${copiedOut})`,
  );
  // what was copied in is in the shared volume, under whichever name the directory has once the racer stops
  await env.ok(['rm', '-f', 'vol-racer']);
  const inVolume = (
    await env.ok(['exec', 'vol-target', 'sh', '-c', 'ls /vol/sub/ /vol/link/ 2>/dev/null | grep -c payload- || true'])
  ).trim();
  assert.equal(Number(inVolume), copiedIn);
  await env.ok(['rm', '-f', 'vol-target']);
});

test('export while the container swaps a directory for a symlink to the host', async () => {
  await startRacer('export-racer', [], '/data');
  for (let i = 0; i < TRIES; i++) {
    const r = await env.run(['export', 'export-racer']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(SECRET), `export ${i}: the host's file is not in the tar`);
  }
  hostDirUntouched();
  await env.ok(['rm', '-f', 'export-racer']);
});

test('commit --pause=false and diff while the container swaps a directory for a symlink to the host', async () => {
  await startRacer('commit-racer', [], '/data');
  for (let i = 0; i < TRIES; i++) {
    const id = (await env.ok(['commit', '--pause=false', 'commit-racer'])).trim();
    const saved = await env.run(['save', id]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.ok(!saved.stdout.includes(SECRET), `commit ${i}: the host's file is not in the layer`);
    await env.ok(['rmi', id]);
    assert.doesNotMatch(
      await env.ok(['diff', 'commit-racer']),
      /host-only/,
      `diff ${i} lists the container's files only`,
    );
  }
  hostDirUntouched();
  await env.ok(['rm', '-f', 'commit-racer']);
});
