// Benchmark: push and pull of the 400 MB, three-layer image (200 × 1 MB
// random files, 5,000 small files, 200 more × 1 MB) to and from a registry on
// 127.0.0.1 (Debian's docker-registry), stowage beside Docker 20.10 and
// podman 4 in the same run, in two places: the root filesystem (stores in a
// directory under /var/lib, as a user has them) and a fresh loop-mounted ext4
// made for each round. Each round gives every tool two empty stores (Docker two daemons): into the first each
// pulls the image stowage pushed before the rounds; into the second each loads
// the image from the same archive (not timed) and pushes it to a repository of
// its own in a registry started for the round, so nothing is mounted or
// known from before (every layer is compressed and uploaded). Nothing is deleted right before a timed step
// (a rest first): on these disks files made right after thousands were deleted cost ten times more.
//
//   node dist/bench/registry.js [--rounds N] [--place root|scratch] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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
  scratchFs,
  timed,
  writeSection,
  type PlaceKind,
} from './lib';
import { startDockerDaemon, type DockerDaemon } from '../test/reference/docker-daemon';
import { startRegistry } from '../test/reference/registry';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 3;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';
/** Rest before each timed step (after a sync), the same for every tool. */
const REST_MS = 3000;

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const archive = path.join(BENCH_DIR, 'image.tar');
  if (!fs.existsSync(archive)) makeDockerArchive(archive, makeBenchLayers(BENCH_DIR), 'bench:400mb');
  process.env.TMPDIR = BENCH_DIR;
  const reg = await startRegistry();
  const src = `${reg.host}/bench/src:1`;
  const places = placesFromArgs(args);
  const results: Record<string, number[]> = {};
  const rss: Record<string, number[]> = {};
  let at: PlaceKind = places[0];
  const add = (k: string, t: { seconds: number; maxRssKb: number }) => {
    (results[`${at} ${k}`] ??= []).push(t.seconds);
    (rss[k] ??= []).push(t.maxRssKb);
  };
  const scratches: Array<{ remove(): void }> = [];
  try {
    {
      // the image every tool pulls, pushed once by stowage from a store of its own
      const scratch = scratchFs(BENCH_DIR, 3);
      scratches.push(scratch);
      const env = {
        ...process.env,
        STOWAGE_ROOT: path.join(scratch.mount, 'root'),
        STOWAGE_RUNROOT: path.join(scratch.mount, 'run'),
      };
      execFileSync(process.execPath, [CLI, 'load', '-q', '-i', archive], { env, stdio: 'ignore' });
      execFileSync(process.execPath, [CLI, 'tag', 'bench:400mb', src], { env });
      execFileSync(process.execPath, [CLI, 'push', '-q', src], { env, stdio: 'ignore' });
      spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env, stdio: 'ignore' });
      scratch.dispose();
    }
    for (const [r, kind] of places.flatMap((k) => Array.from({ length: rounds }, (_, i) => [i + 1, k] as const))) {
      at = kind;
      const where = place(kind, BENCH_DIR, 10);
      scratches.push(where);
      const run = where.mount;
      const senv = (n: string) => ({
        ...process.env,
        STOWAGE_ROOT: path.join(run, `s${n}-root`),
        STOWAGE_RUNROOT: path.join(run, `s${n}-run`),
      });
      // podman refuses a run root longer than 50 characters
      const pargs = (n: string) => [
        '--root',
        path.join(run, `p${n}-root`),
        '--runroot',
        `/run/stowage-bench-${process.pid}-${n}`,
        '--runtime',
        '/usr/sbin/runc',
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'file',
        '--storage-driver',
        'overlay',
      ];
      const daemons: DockerDaemon[] = [];
      // pushes go to a registry of this round: no tool finds there a blob it knows from
      // an earlier push or pull (podman's blob-info cache is machine-wide)
      const target = await startRegistry();
      const to = (tool: string) => `${target.host}/bench/${tool}:1`;
      try {
        // pulls, each into an empty store; then pushes, each from a store that loaded the image.
        // The tools take turns at going first.
        const pulls: Array<() => Promise<void>> = [
          async () => add('stowage pull', timed(process.execPath, [CLI, 'pull', '-q', src], senv('1'))),
          async () => {
            const d1 = await startDockerDaemon({
              stateDir: run,
              keepState: true,
              extraArgs: ['--insecure-registry', reg.host],
            });
            daemons.push(d1);
            rest(REST_MS);
            add('docker pull', timed('docker', ['pull', '-q', src], { ...process.env, ...d1.cliEnv() }));
          },
          async () => add('podman pull', timed('podman', [...pargs('1'), 'pull', '-q', '--tls-verify=false', src])),
        ];
        const pushes: Array<() => Promise<void>> = [
          async () => {
            execFileSync(process.execPath, [CLI, 'load', '-q', '-i', archive], { env: senv('2'), stdio: 'ignore' });
            execFileSync(process.execPath, [CLI, 'tag', 'bench:400mb', to('stowage')], { env: senv('2') });
            rest(REST_MS);
            add('stowage push', timed(process.execPath, [CLI, 'push', '-q', to('stowage')], senv('2')));
          },
          async () => {
            const d2 = await startDockerDaemon({
              stateDir: run,
              keepState: true,
              extraArgs: ['--insecure-registry', target.host],
            });
            daemons.push(d2);
            const denv = { ...process.env, ...d2.cliEnv() };
            execFileSync('docker', ['load', '-q', '-i', archive], { env: denv, stdio: 'ignore' });
            execFileSync('docker', ['tag', 'bench:400mb', to('docker')], { env: denv });
            rest(REST_MS);
            add('docker push', timed('docker', ['push', '-q', to('docker')], denv));
          },
          async () => {
            execFileSync('podman', [...pargs('2'), 'load', '-q', '-i', archive], { stdio: 'ignore' });
            execFileSync('podman', [...pargs('2'), 'tag', 'bench:400mb', to('podman')], { stdio: 'ignore' });
            rest(REST_MS);
            add('podman push', timed('podman', [...pargs('2'), 'push', '-q', '--tls-verify=false', to('podman')]));
          },
        ];
        for (const steps of [pulls, pushes]) {
          for (let i = 0; i < steps.length; i++) {
            rest(REST_MS);
            await steps[(i + r - 1) % steps.length]();
          }
        }
        console.error(
          `${kind} round ${r}/${rounds}: ${Object.entries(results)
            .filter(([k]) => k.startsWith(kind))
            .map(([k, v]) => `${k.slice(kind.length + 1)} ${v[v.length - 1]}s`)
            .join(', ')}`,
        );
      } finally {
        await target.stop();
        for (const d of daemons) await d.stop();
        // On the root filesystem nothing is deleted until the end: it has no journal, and
        // there ext4 skips the inodes of a block group deleted in the last 1-6 minutes one by
        // one when it allocates (ialloc.c's recently_deleted); a round's clean-up made the next
        // round's pulls 2-4 times slower, whichever tool's. (Pulls leave no container to stop.)
        if (kind === 'scratch')
          for (const n of ['1', '2']) {
            spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv(n), stdio: 'ignore' });
            spawnSync('podman', [...pargs(n), 'system', 'reset', '-f'], { stdio: 'ignore' });
          }
        for (const n of ['1', '2'])
          fs.rmSync(`/run/stowage-bench-${process.pid}-${n}`, { recursive: true, force: true });
        where.dispose();
      }
    }
  } finally {
    await reg.stop();
    for (const s of scratches) s.remove();
  }
  const m = (k: string) => median(results[k]);
  const row = (p: PlaceKind, what: string, target: string) => {
    const [s, d, pm] = ['stowage', 'docker', 'podman'].map((tool) => m(`${p} ${tool} ${what}`));
    return `| ${what}, ${PLACE_NAME[p]} | ${s.toFixed(2)} s | ${d.toFixed(2)} s | ${pm.toFixed(2)} s | **${(d / s).toFixed(1)}×** | ${(pm / s).toFixed(1)}× | ${target} |`;
  };
  const table = `
Image: 433 MB, 3 layers (200 × 1 MB random, 5,000 small files, 200 × 1 MB random), gzip-compressed in the registry (Debian's docker-registry 2.8 on 127.0.0.1, plain HTTP).
Median of ${rounds} rounds per place (the root filesystem: a directory under /var/lib for each round, as a user's stores live, all removed at the end of the run (on this journal-less ext4, inodes deleted in the last 1-6 minutes slow every allocation beside them); fresh ext4: a loop-mounted ext4 made for each round); in every round each tool has two empty stores (Docker two daemons), the tools taking turns at going first: it pulls into the first the image stowage pushed before the rounds, and pushes from the second, which loaded the image from the same archive (not timed), to a registry started for the round (every layer compressed and uploaded: podman's blob-info cache is machine-wide); \`sync\` and ${REST_MS / 1000} s of rest before every timed step. stowage gzips a layer as pigz does, each megabyte on its own and four at once on zlib's thread pool, storing the megabytes that look random (here the random files) and deflating the rest at gzip's default level (Docker's). Docker 20.10 with \`--insecure-registry\`, podman 4 with \`--tls-verify=false\`. Machine: ${machine()}.
Reproduce: \`npm run build && node dist/bench/registry.js --rounds ${rounds} --write\` (\`--place root|scratch\` for one place) (needs \`scripts/setup.sh --with-references\`).

| step | stowage | Docker 20.10 | podman 4 | Docker ÷ stowage | podman ÷ stowage | target (Docker ÷ stowage) |
|---|---|---|---|---|---|---|
${places.map((p) => `${row(p, 'pull', '≥ 2×')}\n${row(p, 'push', '≥ 1.5×')}`).join('\n')}

Peak memory of the stowage CLI process: pull ${(Math.max(...rss['stowage pull']) / 1024).toFixed(0)} MB, push ${(Math.max(...rss['stowage push']) / 1024).toFixed(0)} MB.
Rounds (s): ${Object.entries(results)
    .map(([k, v]) => `${k} ${v.join(', ')}`)
    .join('; ')}.
`;
  console.log(table);
  if (args.includes('--write')) writeSection('registry', `## pull and push (issue 15)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
