// Benchmark: save and load of a 400 MB, three-layer image (200 × 1 MB random
// files, 5,000 small files, 200 more × 1 MB), stowage beside Docker 20.10 in the
// same run, in two places: the root filesystem (stores under /var/lib, as a user
// has them) and a fresh loop-mounted ext4 per round. On this machine's root
// filesystem (ext4 without a journal) inodes deleted in the last minutes slow
// down file creation near them; both tools meet the same filesystem, and take
// turns at going first.
//
//   node dist/bench/save-load.js [--rounds N] [--place root|scratch] [--write]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { makeDockerArchive } from './make-archive';
import {
  CLI,
  daemonCpuSeconds,
  duBytes,
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
import { startDockerDaemon, type DockerDaemon } from '../test/reference/docker-daemon';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';
const REST_MS = 3000;

interface Results {
  stowageLoad: number[];
  stowageSave: number[];
  dockerLoad: number[];
  dockerSave: number[];
  rssLoad: number[];
  rssSave: number[];
  /** CPU seconds: stowage's CLI; Docker's CLI, dockerd and its containerd. */
  cpu: Record<'stowageLoad' | 'stowageSave' | 'dockerLoad' | 'dockerSave', number[]>;
  /** Steal seconds (the host's other tenants) during each round's four timed steps together. */
  steal: number[];
  stowageDisk: number;
  dockerDisk: number;
  /** load's flushes before its rows (issue 12): seconds in syncfs/fsync of a traced load, and that load's time */
  flushLoad: number[];
  flushTraced: number[];
}

async function measure(kind: PlaceKind, archive: string): Promise<Results> {
  const res: Results = {
    stowageLoad: [],
    stowageSave: [],
    dockerLoad: [],
    dockerSave: [],
    rssLoad: [],
    rssSave: [],
    cpu: { stowageLoad: [], stowageSave: [], dockerLoad: [], dockerSave: [] },
    steal: [],
    stowageDisk: 0,
    dockerDisk: 0,
    flushLoad: [],
    flushTraced: [],
  };
  for (let r = 0; r < rounds; r++) {
    const where = place(kind, BENCH_DIR, 5);
    const run = where.mount;
    process.env.TMPDIR = run;
    const input = path.join(run, 'image.tar');
    fs.copyFileSync(archive, input);
    const env = {
      ...process.env,
      STOWAGE_ROOT: path.join(run, 's', 'root'),
      STOWAGE_RUNROOT: path.join(run, 's', 'run'),
    };
    let d: DockerDaemon | undefined;
    let stolen = 0;
    try {
      d = await startDockerDaemon({ stateDir: run, keepState: true }); // its store beside stowage's
      const denv = { ...process.env, ...d.cliEnv() };
      const stowage = () => {
        rest(REST_MS);
        const load = timed(process.execPath, [CLI, 'load', '-q', '-i', input], env);
        rest(REST_MS);
        const save = timed(process.execPath, [CLI, 'save', '-o', path.join(run, 's.tar'), 'bench:400mb'], env);
        res.stowageLoad.push(load.seconds);
        res.rssLoad.push(load.maxRssKb);
        res.stowageSave.push(save.seconds);
        res.rssSave.push(save.maxRssKb);
        res.cpu.stowageLoad.push(load.cpuSeconds);
        res.cpu.stowageSave.push(save.cpuSeconds);
        stolen += load.stealSeconds + save.stealSeconds;
        res.stowageDisk = duBytes(path.join(env.STOWAGE_ROOT, 'overlay'));
        // what flushing layers and blobs before their rows costs: one more load, into a second store
        rest(REST_MS);
        const flush = flushCost(
          input,
          { ...process.env, STOWAGE_ROOT: path.join(run, 's2', 'root'), STOWAGE_RUNROOT: path.join(run, 's2', 'run') },
          path.join(run, 'flush.trace'),
        );
        res.flushLoad.push(flush.ours);
        res.flushTraced.push(flush.load);
      };
      const docker = () => {
        const marks = [d!.dataRoot, d!.execRoot];
        rest(REST_MS);
        let before = daemonCpuSeconds(marks);
        const load = timed('docker', ['load', '-q', '-i', input], denv);
        res.dockerLoad.push(load.seconds);
        res.cpu.dockerLoad.push(load.cpuSeconds + daemonCpuSeconds(marks) - before);
        stolen += load.stealSeconds;
        rest(REST_MS);
        before = daemonCpuSeconds(marks);
        const save = timed('docker', ['save', '-o', path.join(run, 'd.tar'), 'bench:400mb'], denv);
        res.dockerSave.push(save.seconds);
        res.cpu.dockerSave.push(save.cpuSeconds + daemonCpuSeconds(marks) - before);
        stolen += save.stealSeconds;
        res.dockerDisk = duBytes(path.join(d!.dataRoot, 'overlay2'));
      };
      if (r % 2 === 0) {
        stowage();
        docker();
      } else {
        docker();
        stowage();
      }
      res.steal.push(Number(stolen.toFixed(2)));
      console.error(
        `${kind} round ${r + 1}/${rounds}: stowage load ${res.stowageLoad[r]}s save ${res.stowageSave[r]}s, docker load ${res.dockerLoad[r]}s save ${res.dockerSave[r]}s; steal ${res.steal[r]}s`,
      );
    } finally {
      await d?.stop();
      // Nothing is deleted until the end: deleting gigabytes trims the disk meanwhile, and on
      // the root filesystem (no journal) ext4 skips the inodes of a block group deleted in the
      // last 1-6 minutes one by one when it allocates (ialloc.c's recently_deleted): a round's
      // clean-up made the next round's loads slower, whichever tool's. (Loads leave no container.)
      if (kind === 'scratch') spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env });
      where.dispose();
      scratches.push(where);
    }
  }
  return res;
}

const scratches: Array<{ remove(): void }> = [];

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const archive = path.join(BENCH_DIR, 'image.tar');
  if (!fs.existsSync(archive)) makeDockerArchive(archive, makeBenchLayers(BENCH_DIR), 'bench:400mb');
  const size = fs.statSync(archive).size;
  const places = placesFromArgs(args);
  const all = new Map<PlaceKind, Results>();
  for (const kind of places) all.set(kind, await measure(kind, archive));
  for (const s of scratches) s.remove();
  const rows: string[] = [];
  const memo: string[] = [];
  const roundsText: string[] = [];
  for (const [kind, res] of all) {
    const m = (xs: number[]) => median(xs);
    const c = res.cpu;
    rows.push(
      `| load -i | ${PLACE_NAME[kind]} | ${m(res.stowageLoad).toFixed(2)} s (${m(c.stowageLoad).toFixed(2)} s) | ${m(res.dockerLoad).toFixed(2)} s (${m(c.dockerLoad).toFixed(2)} s) | **${(m(res.dockerLoad) / m(res.stowageLoad)).toFixed(1)}×** (${(m(c.dockerLoad) / m(c.stowageLoad)).toFixed(1)}×) | ≥ 4× |`,
    );
    rows.push(
      `| save -o | ${PLACE_NAME[kind]} | ${m(res.stowageSave).toFixed(2)} s (${m(c.stowageSave).toFixed(2)} s) | ${m(res.dockerSave).toFixed(2)} s (${m(c.dockerSave).toFixed(2)} s) | **${(m(res.dockerSave) / m(res.stowageSave)).toFixed(1)}×** (${(m(c.dockerSave) / m(c.stowageSave)).toFixed(1)}×) | ≥ 5× |`,
    );
    const peak = Math.max(...res.rssLoad, ...res.rssSave) / 1024;
    memo.push(
      `| peak memory of the CLI process (load, save), ${PLACE_NAME[kind]} | ${(m(res.rssLoad) / 1024).toFixed(0)} MB, ${(m(res.rssSave) / 1024).toFixed(0)} MB (max ${peak.toFixed(0)} MB) | n/a (daemon) | | < 150 MB |`,
    );
    memo.push(
      `| load's flushes before its rows (syncfs of the layers, fsync of blobs and renames; issue 12), ${PLACE_NAME[kind]} | ${m(res.flushLoad).toFixed(2)} s of a ${m(res.flushTraced).toFixed(2)} s traced load | | | |`,
    );
    memo.push(
      `| store disk use for the image, ${PLACE_NAME[kind]} | ${(res.stowageDisk / 1e6).toFixed(0)} MB | ${(res.dockerDisk / 1e6).toFixed(0)} MB (overlay2) | ${(res.stowageDisk / res.dockerDisk).toFixed(2)}× | ≤ 1.1× |`,
    );
    roundsText.push(
      `${PLACE_NAME[kind]}: stowage load ${res.stowageLoad.join(', ')}; save ${res.stowageSave.join(', ')}; docker load ${res.dockerLoad.join(', ')}; save ${res.dockerSave.join(', ')}; steal during the four steps ${res.steal.join(', ')}`,
    );
  }
  const table = `
Image: ${(size / 1e6).toFixed(0)} MB archive, 3 layers (200 × 1 MB random, 5,000 small files, 200 × 1 MB random).
Median of ${rounds} rounds per place. Root filesystem: both stores (and the archive) in a directory under /var/lib for each round, as a user's stores live, all removed at the end of the run (on this journal-less ext4, inodes deleted in the last 1-6 minutes slow every allocation beside them); fresh ext4: a loop-mounted ext4 made for each round. Each round starts a Docker daemon whose data root sits beside stowage's store; the tools take turns at going first; \`sync\` and ${REST_MS / 1000} s of rest before every timed step. Machine: ${machine()}; load average ${os.loadavg()[0].toFixed(2)} at the end of the run.
Reproduce: \`npm run build && node dist/bench/save-load.js --rounds ${rounds} --write\` (needs \`scripts/setup.sh --with-references\`).

| step | where | stowage: wall (CPU) | Docker 20.10: wall (CPU) | Docker ÷ stowage: wall (CPU) | target |
|---|---|---|---|---|---|
${rows.join('\n')}

| measure | stowage | Docker 20.10 | ratio | target |
|---|---|---|---|---|
${memo.join('\n')}

Rounds (s): ${roundsText.join('. ')}. Steal is CPU time the hypervisor gave the host's other tenants (/proc/stat): a round that meets it is slower in wall and CPU time, whichever tool's step it falls in.
The flush cost comes from an extra load under \`strace -f -T -e trace=syncfs,fsync\` (SQLite's own fsyncs of stowage.db left out); the timed loads above include the flushes.
`;
  console.log(table);
  if (args.includes('--write')) writeSection('save-load', `## save and load (issues 3 and 17)\n${table}`);
}

/** A load traced for its flushes: seconds in stowage's syncfs/fsync calls, and the whole traced load. */
function flushCost(input: string, env: NodeJS.ProcessEnv, trace: string): { ours: number; load: number } {
  const t = timed(
    'strace',
    [
      '-f',
      '-y',
      '-T',
      '-qq',
      '-e',
      'trace=syncfs,fsync',
      '-o',
      trace,
      process.execPath,
      CLI,
      'load',
      '-q',
      '-i',
      input,
    ],
    env,
  );
  let ours = 0;
  for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
    const m = /\b(syncfs|fsync)\((\d+)<([^>]*)>\).*<([\d.]+)>$/.exec(line);
    if (m && !/stowage\.db/.test(m[3])) ours += Number(m[4]);
  }
  spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env });
  return { ours, load: t.seconds };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
