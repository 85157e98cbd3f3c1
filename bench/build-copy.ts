// Benchmark: `build` of a Dockerfile whose one step COPYs 5,000 small files (the
// small-file layer of the other benchmarks) onto busybox, stowage beside Docker
// 20.10's classic builder (DOCKER_BUILDKIT=0, as Docker 20.10 builds by default),
// both with --no-cache, on the root filesystem (stores under /var/lib) and on a
// fresh ext4. Issue 17 asks COPY of many files at least 4x Docker's speed.
//
//   node dist/bench/build-copy.js [--rounds N] [--place root|scratch] [--write]
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
  timed,
  writeSection,
  type PlaceKind,
} from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

/** The build context (kept in BENCH_DIR): a Dockerfile and the 5,000 files it copies. */
function makeContext(): string {
  const dir = path.join(BENCH_DIR, 'copy-context');
  if (fs.existsSync(path.join(dir, 'Dockerfile'))) return dir;
  const small = makeBenchLayers(BENCH_DIR)[1];
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
  execFileSync('tar', ['-xf', small, '-C', path.join(dir, 'files')]);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM base:1\nCOPY files /files\n');
  return dir;
}

async function measure(kind: PlaceKind, baseArchive: string, context: string): Promise<Record<string, number[]>> {
  const where = place(kind, BENCH_DIR, 4);
  process.env.TMPDIR = where.mount;
  const run = fs.mkdtempSync(path.join(where.mount, 'build-'));
  const senv = { ...process.env, STOWAGE_ROOT: path.join(run, 'root'), STOWAGE_RUNROOT: path.join(run, 'run') };
  const docker = await startDockerDaemon({ stateDir: where.mount, keepState: true }); // beside stowage's store
  const denv = { ...process.env, ...docker.cliEnv(), DOCKER_BUILDKIT: '0' };
  const times: Record<string, number[]> = {};
  try {
    execFileSync(process.execPath, [CLI, 'load', '-q', '-i', baseArchive], { env: senv });
    await docker.ok(['load', '-q', '-i', baseArchive]);
    for (let r = 0; r < rounds; r++) {
      const steps: Array<[string, () => number]> = [
        [
          'stowage',
          () => timed(process.execPath, [CLI, 'build', '-q', '--no-cache', '-t', `copy:${r}`, context], senv).seconds,
        ],
        ['docker', () => timed('docker', ['build', '-q', '--no-cache', '-t', `copy:${r}`, context], denv).seconds],
      ];
      for (const [k, step] of r % 2 ? steps.reverse() : steps) {
        rest(1000);
        (times[k] ??= []).push(step());
      }
      console.error(`${kind} round ${r + 1}/${rounds}: stowage ${times.stowage[r]}s, docker ${times.docker[r]}s`);
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    await docker.stop();
    where.dispose();
    where.remove();
  }
  return times;
}

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const baseArchive = path.join(BENCH_DIR, 'build-base.tar');
  makeDockerArchive(baseArchive, [baseTarball()], 'base:1');
  const context = makeContext();
  const rows: string[] = [];
  const roundsText: string[] = [];
  for (const kind of placesFromArgs(args)) {
    const t = await measure(kind, baseArchive, context);
    rows.push(
      `| ${PLACE_NAME[kind]} | ${median(t.stowage).toFixed(2)} s | ${median(t.docker).toFixed(2)} s | **${(median(t.docker) / median(t.stowage)).toFixed(1)}×** | ≥ 4× |`,
    );
    roundsText.push(`${PLACE_NAME[kind]}: stowage ${t.stowage.join(', ')}; docker ${t.docker.join(', ')}`);
  }
  const table = `
A Dockerfile \`FROM base:1\` (busybox) and \`COPY files /files\`, the context holding the 5,000 small files (10 bytes to 4 KB) of the other benchmarks' middle layer; \`build -q --no-cache\`, median of ${rounds} builds per place, the tools taking turns at going first, \`sync\`, 1 s of rest and 2 GB of memory touched before each (see the note at the top); the context in ${BENCH_DIR} for both. Docker 20.10's classic builder (\`DOCKER_BUILDKIT=0\`, its default). Machine: ${machine()}; load average ${os.loadavg()[0].toFixed(2)} at the end of the run.
Reproduce: \`npm run build && node dist/bench/build-copy.js --rounds ${rounds} --write\` (needs \`scripts/setup.sh --with-references\`).

| where | stowage | Docker 20.10 | Docker ÷ stowage | target |
|---|---|---|---|---|
${rows.join('\n')}

Rounds (s): ${roundsText.join('. ')}.
`;
  console.log(table);
  if (args.includes('--write')) writeSection('build-copy', `## build: COPY of many files (issue 17)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
