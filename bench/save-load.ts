// Benchmark: save and load of a 400 MB, three-layer image (200 × 1 MB random
// files, 5,000 small files, 200 more × 1 MB), stowage beside Docker 20.10 in the
// same run. Each round runs on a fresh loop-mounted ext4: on this machine's own
// disk (ext4 without a journal) inodes deleted in the last minutes slow down every
// file creation, which would let earlier steps decide the result.
//
//   node dist/bench/save-load.js [--rounds N] [--write]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeDockerArchive } from './make-archive';
import { CLI, duBytes, machine, makeBenchLayers, median, scratchFs, sync, timed, writeSection } from './lib';
import { startDockerDaemon, type DockerDaemon } from '../test/reference/docker-daemon';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const archive = path.join(BENCH_DIR, 'image.tar');
  if (!fs.existsSync(archive)) makeDockerArchive(archive, makeBenchLayers(BENCH_DIR), 'bench:400mb');
  const size = fs.statSync(archive).size;
  const results = {
    stowageLoad: [] as number[], stowageSave: [] as number[], dockerLoad: [] as number[], dockerSave: [] as number[], rssLoad: [] as number[], rssSave: [] as number[],
    flushLoad: [] as number[], flushTraced: [] as number[],
  };
  let stowageDisk = 0;
  let dockerDisk = 0;
  const scratches: Array<{ remove(): void }> = [];
  for (let r = 0; r < rounds; r++) {
    // each round on a fresh filesystem holding the archive (as a user's download) and both stores
    const scratch = scratchFs(BENCH_DIR, 5);
    scratches.push(scratch);
    const run = scratch.mount;
    process.env.TMPDIR = run;
    const input = path.join(run, 'image.tar');
    fs.copyFileSync(archive, input);
    let d: DockerDaemon | undefined;
    try {
      const env = { ...process.env, STOWAGE_ROOT: path.join(run, 's', 'root'), STOWAGE_RUNROOT: path.join(run, 's', 'run') };
      sync();
      const load = timed(process.execPath, [CLI, 'load', '-q', '-i', input], env);
      results.stowageLoad.push(load.seconds);
      results.rssLoad.push(load.maxRssKb);
      sync();
      const save = timed(process.execPath, [CLI, 'save', '-o', path.join(run, 's.tar'), 'bench:400mb'], env);
      results.stowageSave.push(save.seconds);
      results.rssSave.push(save.maxRssKb);
      stowageDisk = duBytes(path.join(env.STOWAGE_ROOT, 'overlay'));
      // what flushing layers and blobs before their rows costs: one more load, into a second store
      // on the same filesystem, with the time spent in each syncfs/fsync read from strace -T
      const flush = flushCost(input, { ...process.env, STOWAGE_ROOT: path.join(run, 's2', 'root'), STOWAGE_RUNROOT: path.join(run, 's2', 'run') }, path.join(run, 'flush.trace'));
      results.flushLoad.push(flush.ours);
      results.flushTraced.push(flush.load);

      d = await startDockerDaemon({ stateDir: run }); // the store on the same filesystem as stowage's
      const denv = { ...process.env, ...d.cliEnv() };
      sync();
      results.dockerLoad.push(timed('docker', ['load', '-q', '-i', input], denv).seconds);
      sync();
      results.dockerSave.push(timed('docker', ['save', '-o', path.join(run, 'd.tar'), 'bench:400mb'], denv).seconds);
      dockerDisk = duBytes(path.join(d.dataRoot, 'overlay2'));
      console.error(`round ${r + 1}/${rounds}: stowage load ${load.seconds}s save ${save.seconds}s, docker load ${results.dockerLoad[r]}s save ${results.dockerSave[r]}s`);
    } finally {
      await d?.stop();
      spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: { ...process.env, STOWAGE_ROOT: path.join(run, 's', 'root'), STOWAGE_RUNROOT: path.join(run, 's', 'run') } });
      scratch.dispose();
    }
  }
  for (const s of scratches) s.remove();
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<keyof typeof results, number>;
  const peakRss = Math.max(...results.rssLoad, ...results.rssSave) / 1024;
  const table = `
Image: ${(size / 1e6).toFixed(0)} MB archive, 3 layers (200 × 1 MB random, 5,000 small files, 200 × 1 MB random).
Median of ${rounds} rounds; each round on a fresh loop-mounted ext4 holding the archive and both stores; \`sync\` before every timed step. Machine: ${machine()}.
Reproduce: \`npm run build && node dist/bench/save-load.js --rounds ${rounds} --write\` (needs \`scripts/setup.sh --with-references\`).

| step | stowage | Docker 20.10 | Docker ÷ stowage | target |
|---|---|---|---|---|
| load -i | ${m.stowageLoad.toFixed(2)} s | ${m.dockerLoad.toFixed(2)} s | **${(m.dockerLoad / m.stowageLoad).toFixed(1)}×** | ≥ 4× |
| save -o | ${m.stowageSave.toFixed(2)} s | ${m.dockerSave.toFixed(2)} s | **${(m.dockerSave / m.stowageSave).toFixed(1)}×** | ≥ 5× |

| measure | stowage | Docker 20.10 | ratio | target |
|---|---|---|---|---|
| peak memory of the CLI process (load, save) | ${(median(results.rssLoad) / 1024).toFixed(0)} MB, ${(median(results.rssSave) / 1024).toFixed(0)} MB (max ${peakRss.toFixed(0)} MB) | n/a (daemon) | | < 150 MB |
| store disk use for the image | ${(stowageDisk / 1e6).toFixed(0)} MB | ${(dockerDisk / 1e6).toFixed(0)} MB (overlay2) | ${(stowageDisk / dockerDisk).toFixed(2)}× | ≤ 1.1× |
| load's flushes before its rows (syncfs of the layers, fsync of blobs and renames; issue 12) | ${m.flushLoad.toFixed(2)} s of a ${m.flushTraced.toFixed(2)} s load (${((100 * m.flushLoad) / m.flushTraced).toFixed(0)}%) | | | |

Rounds (s): stowage load ${results.stowageLoad.join(', ')}; save ${results.stowageSave.join(', ')}; docker load ${results.dockerLoad.join(', ')}; save ${results.dockerSave.join(', ')}; flushes in a traced load ${results.flushLoad.map((x) => x.toFixed(2)).join(', ')}.
The flush cost comes from an extra load under \`strace -f -T -e trace=syncfs,fsync\` (SQLite's own fsyncs of stowage.db left out); the timed loads above include the flushes.
`;
  console.log(table);
  if (args.includes('--write')) writeSection('save-load', `## save and load (issue 3)\n${table}`);
}

/** A load traced for its flushes: seconds in stowage's syncfs/fsync calls, and the whole traced load. */
function flushCost(input: string, env: NodeJS.ProcessEnv, trace: string): { ours: number; load: number } {
  sync();
  const t = timed('strace', ['-f', '-y', '-T', '-qq', '-e', 'trace=syncfs,fsync', '-o', trace, process.execPath, CLI, 'load', '-q', '-i', input], env);
  let ours = 0;
  for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
    const m = /\b(syncfs|fsync)\((\d+)<([^>]*)>\).*<([\d.]+)>$/.exec(line);
    if (m && !/stowage\.db/.test(m[3])) ours += Number(m[4]);
  }
  spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env });
  return { ours, load: t.seconds };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
