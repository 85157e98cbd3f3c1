// Benchmark: `commit` of a one-file change on top of a 400 MB image and on top
// of the 2 MB busybox image, stowage beside Docker 20.10 in the same run, on the
// root filesystem (stores under /var/lib) and on a fresh ext4. The time should
// not grow with the image: only the writable layer is read.
//
//   node dist/bench/commit.js [--rounds N] [--place root|scratch] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseTarball } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';
import { makeDockerArchive } from './make-archive';
import {
  CLI,
  machine,
  makeBenchLayers,
  median,
  place,
  PLACE_NAME,
  placesFromArgs,
  rest,
  writeSection,
  type PlaceKind,
} from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

/** Wall seconds of one command (hrtime: /usr/bin/time counts in hundredths). */
function wall(cmd: string, argv: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.toString()}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function measure(kind: PlaceKind, archives: Record<string, string>): Promise<Record<string, number[]>> {
  const where = place(kind, BENCH_DIR, 6);
  process.env.TMPDIR = where.mount;
  const run = fs.mkdtempSync(path.join(where.mount, 'commit-'));
  const senv = { ...process.env, STOWAGE_ROOT: path.join(run, 'root'), STOWAGE_RUNROOT: path.join(run, 'run') };
  const s = (a: string[]) => execFileSync(process.execPath, [CLI, ...a], { env: senv, encoding: 'utf8' });
  const docker = await startDockerDaemon({ stateDir: where.mount }); // on the same filesystem as stowage's store
  const denv = { ...process.env, ...docker.cliEnv() };
  const times: Record<string, number[]> = {};
  try {
    for (const [img, archive] of Object.entries(archives)) {
      s(['load', '-i', archive]);
      await docker.ok(['load', '-i', archive]);
      for (let r = 0; r < rounds; r++) {
        const name = `c-${img.replace(':', '-')}-${r}`;
        s(['run', '-id', '--network', 'none', '--name', name, img, 'sh']);
        s(['exec', name, 'sh', '-c', 'echo changed > /changed.txt']);
        await docker.ok(['run', '-id', '--network', 'none', '--name', name, img, 'sh']);
        await docker.ok(['exec', name, 'sh', '-c', 'echo changed > /changed.txt']);
        // the tools take turns at going first; sync and a moment's rest before each
        const steps: Array<[string, () => number]> = [
          [`stowage ${img}`, () => wall(process.execPath, [CLI, 'commit', name, `${name}:x`], senv)],
          [`docker ${img}`, () => wall('docker', ['commit', name, `${name}:x`], denv)],
        ];
        for (const [k, step] of r % 2 ? steps.reverse() : steps) {
          rest(1000);
          (times[k] ??= []).push(step());
        }
      }
    }
  } finally {
    execFileSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    await docker.stop();
    where.dispose();
    where.remove();
  }
  return times;
}

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const base = baseTarball();
  const bigArchive = path.join(BENCH_DIR, 'commit-big.tar');
  if (!fs.existsSync(bigArchive)) makeDockerArchive(bigArchive, [base, ...makeBenchLayers(BENCH_DIR)], 'big:1');
  const smallArchive = path.join(BENCH_DIR, 'commit-small.tar');
  makeDockerArchive(smallArchive, [base], 'small:1');
  const rows: string[] = [];
  for (const kind of placesFromArgs(args)) {
    const times = await measure(kind, { 'small:1': smallArchive, 'big:1': bigArchive });
    const m = (k: string) => median(times[k]);
    const row = (what: string, img: string) =>
      `| ${what} | ${PLACE_NAME[kind]} | ${m(`stowage ${img}`).toFixed(3)} s | ${m(`docker ${img}`).toFixed(3)} s | **${(m(`stowage ${img}`) / m(`docker ${img}`)).toFixed(2)}** | ≤ 1.0 |`;
    rows.push(row('busybox (2 MB, 1 layer)', 'small:1'), row('400 MB, 4 layers', 'big:1'));
    rows.push(
      `| growth (400 MB ÷ 2 MB) | ${PLACE_NAME[kind]} | ${(m('stowage big:1') / m('stowage small:1')).toFixed(2)}× | ${(m('docker big:1') / m('docker small:1')).toFixed(2)}× | | flat |`,
    );
  }
  const table = `
A container changes one file, then \`commit\`; median of ${rounds} commits per image and place, the tools taking turns at going first, \`sync\` and 1 s of rest before each; on the root filesystem (stores under /var/lib) and on a fresh loop-mounted ext4.
Machine: ${machine()}; load average ${os.loadavg()[0].toFixed(2)} at the end of the run.
Reproduce: \`npm run build && node dist/bench/commit.js --rounds ${rounds} --write\`.

| image under the container | where | stowage | Docker 20.10 | stowage ÷ Docker | target |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
  console.log(table);
  if (args.includes('--write')) writeSection('commit', `## commit (issues 6 and 17)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
