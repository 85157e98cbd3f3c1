// Benchmark: push and pull of the 400 MB, three-layer image (200 × 1 MB
// random files, 5,000 small files, 200 more × 1 MB) to and from a registry on
// 127.0.0.1 (Debian's docker-registry), stowage beside Docker 20.10 and
// podman 4 in the same run. Each round runs on a fresh loop-mounted ext4 and
// gives every tool two empty stores (Docker two daemons): into the first each
// pulls the image stowage pushed before the rounds; into the second each loads
// the image from the same archive (not timed) and pushes it to a repository of
// its own in a registry started for the round, so nothing is mounted or
// known from before (every layer is compressed and uploaded). Nothing is deleted before a timed step: on these
// disks files made right after thousands were deleted cost ten times more.
//
//   node dist/bench/registry.js [--rounds N] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeDockerArchive } from './make-archive';
import { CLI, machine, makeBenchLayers, median, scratchFs, sync, timed, writeSection } from './lib';
import { startDockerDaemon, type DockerDaemon } from '../test/reference/docker-daemon';
import { startRegistry } from '../test/reference/registry';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 3;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const archive = path.join(BENCH_DIR, 'image.tar');
  if (!fs.existsSync(archive)) makeDockerArchive(archive, makeBenchLayers(BENCH_DIR), 'bench:400mb');
  process.env.TMPDIR = BENCH_DIR;
  const reg = await startRegistry();
  const src = `${reg.host}/bench/src:1`;
  const results: Record<string, number[]> = {};
  const rss: Record<string, number[]> = {};
  const add = (k: string, t: { seconds: number; maxRssKb: number }) => {
    (results[k] ??= []).push(t.seconds);
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
    for (let r = 1; r <= rounds; r++) {
      const scratch = scratchFs(BENCH_DIR, 10);
      scratches.push(scratch);
      const run = scratch.mount;
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
            const d1 = await startDockerDaemon({ stateDir: run, extraArgs: ['--insecure-registry', reg.host] });
            daemons.push(d1);
            sync();
            add('docker pull', timed('docker', ['pull', '-q', src], { ...process.env, ...d1.cliEnv() }));
          },
          async () => add('podman pull', timed('podman', [...pargs('1'), 'pull', '-q', '--tls-verify=false', src])),
        ];
        const pushes: Array<() => Promise<void>> = [
          async () => {
            execFileSync(process.execPath, [CLI, 'load', '-q', '-i', archive], { env: senv('2'), stdio: 'ignore' });
            execFileSync(process.execPath, [CLI, 'tag', 'bench:400mb', to('stowage')], { env: senv('2') });
            sync();
            add('stowage push', timed(process.execPath, [CLI, 'push', '-q', to('stowage')], senv('2')));
          },
          async () => {
            const d2 = await startDockerDaemon({ stateDir: run, extraArgs: ['--insecure-registry', target.host] });
            daemons.push(d2);
            const denv = { ...process.env, ...d2.cliEnv() };
            execFileSync('docker', ['load', '-q', '-i', archive], { env: denv, stdio: 'ignore' });
            execFileSync('docker', ['tag', 'bench:400mb', to('docker')], { env: denv });
            sync();
            add('docker push', timed('docker', ['push', '-q', to('docker')], denv));
          },
          async () => {
            execFileSync('podman', [...pargs('2'), 'load', '-q', '-i', archive], { stdio: 'ignore' });
            execFileSync('podman', [...pargs('2'), 'tag', 'bench:400mb', to('podman')], { stdio: 'ignore' });
            sync();
            add('podman push', timed('podman', [...pargs('2'), 'push', '-q', '--tls-verify=false', to('podman')]));
          },
        ];
        for (const steps of [pulls, pushes]) {
          for (let i = 0; i < steps.length; i++) {
            sync();
            await steps[(i + r - 1) % steps.length]();
          }
        }
        console.error(
          `round ${r}/${rounds}: ${Object.entries(results)
            .map(([k, v]) => `${k} ${v[v.length - 1]}s`)
            .join(', ')}`,
        );
      } finally {
        await target.stop();
        for (const d of daemons) await d.stop();
        for (const n of ['1', '2']) {
          spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv(n), stdio: 'ignore' });
          spawnSync('podman', [...pargs(n), 'system', 'reset', '-f'], { stdio: 'ignore' });
        }
        scratch.dispose();
      }
    }
  } finally {
    await reg.stop();
    for (const s of scratches) s.remove();
  }
  const m = (k: string) => median(results[k]);
  const row = (what: string, k: string, target: string) =>
    `| ${what} | ${m(`stowage ${k}`).toFixed(2)} s | ${m(`docker ${k}`).toFixed(2)} s | ${m(`podman ${k}`).toFixed(2)} s | **${(m(`docker ${k}`) / m(`stowage ${k}`)).toFixed(1)}×** | ${(m(`podman ${k}`) / m(`stowage ${k}`)).toFixed(1)}× | ${target} |`;
  const table = `
Image: 433 MB, 3 layers (200 × 1 MB random, 5,000 small files, 200 × 1 MB random), gzip-compressed in the registry (Debian's docker-registry 2.8 on 127.0.0.1, plain HTTP).
Median of ${rounds} rounds; every round on a fresh loop-mounted ext4 where each tool has two empty stores (Docker two daemons), the tools taking turns at going first: it pulls into the first the image stowage pushed before the rounds, and pushes from the second, which loaded the image from the same archive (not timed), to a registry started for the round (every layer compressed and uploaded: podman's blob-info cache is machine-wide); \`sync\` before every timed step. stowage gzips a layer whose first megabyte does not compress (here the random files) at gzip's fastest level, any other at the default level, as Docker does. Docker 20.10 with \`--insecure-registry\`, podman 4 with \`--tls-verify=false\`. Machine: ${machine()}.
Reproduce: \`npm run build && node dist/bench/registry.js --rounds ${rounds} --write\` (needs \`scripts/setup.sh --with-references\`).

| step | stowage | Docker 20.10 | podman 4 | Docker ÷ stowage | podman ÷ stowage | target (Docker ÷ stowage) |
|---|---|---|---|---|---|---|
${row('pull', 'pull', '≥ 2×')}
${row('push', 'push', '≥ 1.5×')}

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
