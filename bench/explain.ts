// Benchmark: `image explain` on the 400 MB, three-layer image of the save/load
// benchmark (5,400 files) and on a 2 GB image of 100,000 files in four layers
// (the last one deleting and overwriting some of the others), from the store
// and from a saved archive. dive cannot be built here (no Go toolchain recent
// enough, no module proxy), so docs/BENCHMARKS.md states the algorithmic costs
// beside stowage's times instead of dive's.
//
//   node dist/bench/explain.js [--rounds N] [--write]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from '../src/tar/header';
import { makeDockerArchive } from './make-archive';
import { CLI, machine, makeBenchLayers, median, scratchFs, timed, writeSection } from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

/** A layer tar written header by header (contents are zeros: explain never reads them). */
function writeLayer(file: string, entries: Array<{ name: string; size?: number; dir?: boolean }>): void {
  const fd = fs.openSync(file, 'w');
  const zeros = Buffer.alloc(1 << 20);
  for (const e of entries) {
    const size = e.dir ? 0 : (e.size ?? 0);
    fs.writeSync(
      fd,
      encodeHeader({
        name: e.name,
        type: e.dir ? 'directory' : 'file',
        mode: e.dir ? 0o755 : 0o644,
        size,
        mtime: 1_700_000_000,
      }),
    );
    for (let left = size + paddingFor(size); left > 0; left -= zeros.length)
      fs.writeSync(fd, zeros, 0, Math.min(left, zeros.length));
  }
  fs.writeSync(fd, END_OF_ARCHIVE);
  fs.closeSync(fd);
}

/**
 * The 2 GB image: three layers of 33,000+ files (100 per directory, 1 to 40 KB,
 * about 2 GB in all), then a fourth that deletes 50 directories and overwrites
 * 1,000 files of the first layer.
 */
function makeBigLayers(dir: string): string[] {
  const files = [0, 1, 2].map((l) => path.join(dir, `big-${l}.tar`));
  const fourth = path.join(dir, 'big-3.tar');
  if ([...files, fourth].every((f) => fs.existsSync(f))) return [...files, fourth];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const per = [33_400, 33_300, 33_300];
  files.forEach((file, l) => {
    const entries: Array<{ name: string; size?: number; dir?: boolean }> = [{ name: `layer${l}/`, dir: true }];
    for (let i = 0; i < per[l]; i++) {
      if (i % 100 === 0) entries.push({ name: `layer${l}/d${i / 100}/`, dir: true });
      entries.push({ name: `layer${l}/d${Math.floor(i / 100)}/f${i}`, size: 1024 + Math.floor(rand() * 40 * 1024) });
    }
    writeLayer(file, entries);
  });
  const last: Array<{ name: string; size?: number; dir?: boolean }> = [{ name: 'layer0/', dir: true }];
  for (let d = 0; d < 50; d++) last.push({ name: `layer0/.wh.d${d}` });
  for (let i = 10_000; i < 11_000; i++) {
    if (i % 100 === 0) last.push({ name: `layer0/d${i / 100}/`, dir: true });
    last.push({ name: `layer0/d${Math.floor(i / 100)}/f${i}`, size: 2048 });
  }
  writeLayer(fourth, last);
  return [...files, fourth];
}

/** Wall and CPU seconds and peak memory of one CLI run (GNU time). */
function run(args: string[], env: NodeJS.ProcessEnv): { wall: number; cpu: number; rssKb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, CLI, ...args], {
    env,
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`stowage ${args.join(' ')} failed: ${r.stderr.toString()}`);
  const [wall, user, sys, rss] = r.stderr.toString().trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + sys, rssKb: rss, stdout: r.stdout.toString() };
}

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const small = path.join(BENCH_DIR, 'image.tar');
  if (!fs.existsSync(small)) makeDockerArchive(small, makeBenchLayers(BENCH_DIR), 'bench:400mb');
  const big = path.join(BENCH_DIR, 'explain-2gb.tar');
  if (!fs.existsSync(big)) makeDockerArchive(big, makeBigLayers(BENCH_DIR), 'bench:2gb');
  const scratch = scratchFs(BENCH_DIR, 8);
  const env = {
    ...process.env,
    STOWAGE_ROOT: path.join(scratch.mount, 'root'),
    STOWAGE_RUNROOT: path.join(scratch.mount, 'run'),
  };
  const images = [
    { tag: 'bench:400mb', archive: small, what: '400 MB, 3 layers, 5,400 files' },
    { tag: 'bench:2gb', archive: big, what: '2 GB, 4 layers, 100,000 files (1,000 overwritten, 5,000 deleted)' },
  ];
  const results = images.map(() => ({
    store: [] as number[],
    storeCpu: [] as number[],
    archive: [] as number[],
    archiveCpu: [] as number[],
    rss: [] as number[],
    report: '',
  }));
  try {
    for (const img of images) timed(process.execPath, [CLI, 'load', '-q', '-i', img.archive], env);
    for (let r = 0; r < rounds; r++) {
      images.forEach((img, i) => {
        const s = run(['image', 'explain', '--format', 'json', img.tag], env);
        const a = run(['image', 'explain', '--format', 'json', '--archive', img.archive], env);
        results[i].store.push(s.wall);
        results[i].storeCpu.push(s.cpu);
        results[i].archive.push(a.wall);
        results[i].archiveCpu.push(a.cpu);
        results[i].rss.push(s.rssKb, a.rssKb);
        const rep = JSON.parse(s.stdout);
        results[i].report =
          `${(rep.size / 1e6).toFixed(0)} MB, ${rep.files.toLocaleString('en')} files seen, ${(rep.wastedBytes / 1e6).toFixed(0)} MB wasted`;
        console.error(
          `round ${r + 1}/${rounds} ${img.tag}: store ${s.wall}s (cpu ${s.cpu.toFixed(2)}s), archive ${a.wall}s (cpu ${a.cpu.toFixed(2)}s)`,
        );
      });
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env });
    scratch.dispose();
    scratch.remove();
  }
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const cores = os.cpus().length;
  // said only when it shows: wall times stretched past the CPU times (a single-threaded run's wall is about its CPU)
  const stretched = results.some((r) => median(r.store) > 1.5 * median(r.storeCpu));
  const shared = stretched
    ? `\nThe machine was shared while this ran (load average ${load} on ${cores} cores): wall times are several times the CPU
times, and the CPU time is the figure to hold against the targets until the benchmark is rerun on an idle machine.\n`
    : '';
  const table = `
Median of ${rounds} rounds of the CLI as a user runs it (Node.js start included; CPU = user + system time), the store on a fresh loop-mounted ext4, the archives
uncompressed (headers read where they are, contents skipped). Machine: ${machine()}; load average ${load} at the end of the run.
Reproduce: \`npm run build && node dist/bench/explain.js --rounds ${rounds} --write\`.

| image | from the store: wall (CPU) | from \`--archive\`: wall (CPU) | peak memory | target (store) |
|---|---|---|---|---|
${images
  .map((img, i) => {
    const r = results[i];
    return `| ${img.what}: ${r.report} | **${median(r.store).toFixed(2)} s** (${median(r.storeCpu).toFixed(2)} s) | ${median(r.archive).toFixed(2)} s (${median(r.archiveCpu).toFixed(2)} s) | ${(Math.max(...r.rss) / 1024).toFixed(0)} MB | ${i === 0 ? '< 1 s' : '< 5 s'} |`;
  })
  .join('\n')}

dive could not be built here (Debian 12 has Go 1.19, dive needs a newer one and its modules from the network), so
instead of its times, the costs, with E entries (files and directories) in L layers, B bytes of file content,
W whiteouts:

| | stowage \`image explain\` | dive |
|---|---|---|
| reads | each layer's tar-split (its headers, about 1 KB per entry, gzipped), never a file's content: O(E) | every layer tar in full, hashing every file (xxhash): O(B) |
| layers stacked | one pass per layer over its own tree, merged into the view below: O(E × path depth) | a tree per layer, compared and stacked for every layer shown |
| efficiency score | the same formula; each whiteout sized from one running stack: O(E + size of the deleted subtrees) | for each whiteout, all lower trees copied and stacked again: O(W × L × E) |
| memory | O(E): entries, two trees | O(E × L): a tree per layer plus stacked copies |
${shared}`;
  console.log(table);
  if (args.includes('--write')) writeSection('explain', `## image explain (issue 14)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
