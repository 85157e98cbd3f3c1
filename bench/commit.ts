// Benchmark: `commit` of a one-file change on top of a 400 MB image and on top
// of the 2 MB busybox image, stowage beside Docker 20.10 in the same run. The
// time should not grow with the image: only the writable layer is read.
//
//   node dist/bench/commit.js [--rounds N] [--write]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { baseTarball } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';
import { makeDockerArchive } from './make-archive';
import { CLI, machine, makeBenchLayers, median, scratchFs, sync, timed, writeSection } from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const scratch = scratchFs(BENCH_DIR, 6);
  process.env.TMPDIR = scratch.mount;
  const base = baseTarball();
  const bigArchive = path.join(BENCH_DIR, 'commit-big.tar');
  if (!fs.existsSync(bigArchive)) makeDockerArchive(bigArchive, [base, ...makeBenchLayers(BENCH_DIR)], 'big:1');
  const smallArchive = path.join(BENCH_DIR, 'commit-small.tar');
  makeDockerArchive(smallArchive, [base], 'small:1');
  const run = fs.mkdtempSync(path.join(scratch.mount, 'commit-'));
  const senv = { ...process.env, STOWAGE_ROOT: path.join(run, 'root'), STOWAGE_RUNROOT: path.join(run, 'run') };
  const s = (a: string[]) => execFileSync(process.execPath, [CLI, ...a], { env: senv, encoding: 'utf8' });
  const docker = await startDockerDaemon({ stateDir: scratch.mount }); // on the same filesystem as stowage's store
  const d = (a: string[]) => docker.ok(a);
  const times: Record<string, number[]> = {};
  try {
    for (const img of ['small:1', 'big:1']) {
      const archive = img === 'big:1' ? bigArchive : smallArchive;
      s(['load', '-i', archive]);
      await d(['load', '-i', archive]);
      for (let r = 0; r < rounds; r++) {
        const name = `c-${img.replace(':', '-')}-${r}`;
        s(['run', '-id', '--network', 'none', '--name', name, img, 'sh']);
        s(['exec', name, 'sh', '-c', 'echo changed > /changed.txt']);
        await d(['run', '-id', '--network', 'none', '--name', name, img, 'sh']);
        await d(['exec', name, 'sh', '-c', 'echo changed > /changed.txt']);
        sync();
        (times[`stowage ${img}`] ??= []).push(
          timed(process.execPath, [CLI, 'commit', name, `${name}:x`], senv).seconds,
        );
        sync();
        (times[`docker ${img}`] ??= []).push(
          timed('docker', ['commit', name, `${name}:x`], { ...process.env, ...docker.cliEnv() }).seconds,
        );
      }
    }
  } finally {
    execFileSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    await docker.stop();
    scratch.dispose();
    scratch.remove();
  }
  const m = (k: string) => median(times[k]);
  const table = `
A container changes one file, then \`commit\`; median of ${rounds} commits per image, \`sync\` before each.
Machine: ${machine()}.
Reproduce: \`npm run build && node dist/bench/commit.js --rounds ${rounds} --write\`.

| image under the container | stowage | Docker 20.10 | Docker ÷ stowage |
|---|---|---|---|
| busybox (2 MB, 1 layer) | ${m('stowage small:1').toFixed(3)} s | ${m('docker small:1').toFixed(3)} s | ${(m('docker small:1') / m('stowage small:1')).toFixed(1)}× |
| 400 MB, 4 layers | ${m('stowage big:1').toFixed(3)} s | ${m('docker big:1').toFixed(3)} s | ${(m('docker big:1') / m('stowage big:1')).toFixed(1)}× |
| growth (400 MB ÷ 2 MB) | ${(m('stowage big:1') / m('stowage small:1')).toFixed(2)}× | ${(m('docker big:1') / m('docker small:1')).toFixed(2)}× | |
`;
  console.log(table);
  if (args.includes('--write')) writeSection('commit', `## commit (issue 6)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
