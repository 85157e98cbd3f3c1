// Benchmark: `run --rm IMAGE sh -c :` and `exec CONTAINER sh -c :`, stowage
// beside Docker 20.10 and podman 4 (runc) on the same busybox image, in the same
// run. Medians of N runs each, tools interleaved round by round.
//
//   node dist/bench/run-exec.js [--rounds N] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseTarball } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';
import {
  CLI,
  FRONT_END,
  machine,
  median,
  place,
  PLACE_NAME,
  placesFromArgs,
  writeSection,
  type PlaceKind,
} from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 15;

function time(cmd: string, argv: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.toString()}`);
  return s;
}

async function measure(kind: PlaceKind): Promise<Record<string, number[]>> {
  const scratch = place(kind, process.env.BENCH_DIR ?? '/var/tmp/stowage-bench', 2);
  const dir = scratch.mount;
  process.env.TMPDIR = dir;
  const tarball = baseTarball();
  const senv = { ...process.env, STOWAGE_ROOT: path.join(dir, 's-root'), STOWAGE_RUNROOT: path.join(dir, 's-run') };
  const stowage = (a: string[]): [string, string[]] => [FRONT_END, a];
  // podman's default rlimits (nofile 1048576, nproc 4194304) exceed this machine's hard limits
  // and it has no CAP_SYS_RESOURCE, so runc refuses them: podman gets limits it can set
  const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  execFileSync(process.execPath, [CLI, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], { env: senv });
  const docker = await startDockerDaemon({ bridge: true, stateDir: dir }); // on the same filesystem as stowage's store
  const denv = { ...process.env, ...docker.cliEnv() };
  await docker.ok(['import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest']);
  // podman refuses a run root longer than 50 characters
  const pargs = [
    '--root',
    path.join(dir, 'p-root'),
    '--runroot',
    `/run/stowage-bench-${process.pid}`,
    '--runtime',
    '/usr/sbin/runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--storage-driver',
    'overlay',
  ];
  execFileSync('podman', [...pargs, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number) => (results[k] ??= []).push(v);
  try {
    execFileSync(process.execPath, [CLI, 'run', '-d', '--name', 'bench', 'busybox', 'sleep', '100000'], { env: senv });
    await docker.ok(['run', '-d', '--network', 'none', '--name', 'bench', 'busybox', 'sleep', '100000']);
    execFileSync(
      'podman',
      [...pargs, 'run', '-d', ...limits, '--network', 'none', '--name', 'bench', 'busybox', 'sleep', '100000'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < rounds; i++) {
      for (const net of ['none', 'bridge']) {
        add(
          `stowage run ${net}`,
          time(...stowage(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', ':']), senv),
        );
        add(`docker run ${net}`, time('docker', ['run', '--rm', '--network', net, 'busybox', 'sh', '-c', ':'], denv));
      }
      add(
        'podman run none',
        time(
          'podman',
          [...pargs, 'run', '--rm', ...limits, '--network', 'none', 'busybox', 'sh', '-c', ':'],
          process.env,
        ),
      );
      add('stowage exec', time(...stowage(['exec', 'bench', 'sh', '-c', ':']), senv));
      add('docker exec', time('docker', ['exec', 'bench', 'sh', '-c', ':'], denv));
      add('podman exec', time('podman', [...pargs, 'exec', 'bench', 'sh', '-c', ':'], process.env));
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    spawnSync('podman', [...pargs, 'system', 'reset', '-f'], { stdio: 'ignore' });
    fs.rmSync(`/run/stowage-bench-${process.pid}`, { recursive: true, force: true });
    await docker.stop();
    scratch.dispose();
    scratch.remove();
  }
  return results;
}

async function main() {
  fs.mkdirSync(process.env.BENCH_DIR ?? '/var/tmp/stowage-bench', { recursive: true });
  const rows: string[] = [];
  for (const kind of placesFromArgs(args)) {
    const results = await measure(kind);
    const m = (k: string) => median(results[k]);
    const row = (what: string, s: string, d: string, p?: string, target = '') =>
      `| ${what} | ${PLACE_NAME[kind]} | ${m(s).toFixed(3)} s | ${m(d).toFixed(3)} s | ${p ? `${m(p).toFixed(3)} s` : 'n/a'} | **${(m(s) / m(d)).toFixed(2)}** | ${p ? (m(s) / m(p)).toFixed(2) : 'n/a'} | ${target} |`;
    rows.push(
      row(
        '`run --rm --network none busybox sh -c :`',
        'stowage run none',
        'docker run none',
        'podman run none',
        '≤ 0.6 and ≤ podman',
      ),
    );
    rows.push(
      row(
        '`run --rm busybox sh -c :` (default bridge network)',
        'stowage run bridge',
        'docker run bridge',
        undefined,
        '≤ 0.6',
      ),
    );
    rows.push(row('`exec bench sh -c :`', 'stowage exec', 'docker exec', 'podman exec', '≤ 1.0'));
  }
  const table = `
Median of ${rounds} runs each, tools interleaved, busybox-static image imported from the same tarball into each; on the root filesystem (stores under /var/lib) and on a fresh loop-mounted ext4.
Docker 20.10 runs with its own bridge (no iptables); podman 4 with runc, cgroupfs and \`--ulimit\` values this
machine's hard limits allow (its defaults make runc fail here). Machine: ${machine()}; load average ${os.loadavg()[0].toFixed(2)} at the end of the run.
Reproduce: \`npm run build && node dist/bench/run-exec.js --rounds ${rounds} --write\`.

| command | where | stowage | Docker 20.10 | podman 4 | stowage ÷ Docker | stowage ÷ podman | target (stowage ÷ Docker) |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  console.log(table);
  if (args.includes('--write')) writeSection('run-exec', `## run and exec (issues 4 and 17)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
