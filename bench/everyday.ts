// Benchmark: the everyday read commands (version, images, ps -a, inspect, logs,
// port) as a user runs them, stowage (the `stowage` front end on PATH, Node.js
// start included) beside Docker 20.10 and podman 4 and beside Node.js's own
// start (`node -e 0`), in the same run, commands interleaved round by round; on
// the root filesystem (stores under /var/lib) and on a fresh ext4.
//
//   node dist/bench/everyday.js [--rounds N] [--place root|scratch] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
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
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 21;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

const PERF = spawnSync('perf', ['--version']).status === 0;
const perfOut = path.join(os.tmpdir(), `everyday-perf-${process.pid}.txt`);

/** Wall milliseconds, and CPU milliseconds of the process and its children (perf's task-clock; NaN without perf). */
function time(cmd: string, argv: string[], env: NodeJS.ProcessEnv): [number, number] {
  const [c, a] = PERF ? ['perf', ['stat', '-e', 'task-clock', '-x', ',', '-o', perfOut, cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.toString()}`);
  const cpu = PERF ? Number(/^([\d.]+),[^,]*,task-clock/m.exec(fs.readFileSync(perfOut, 'utf8'))?.[1]) : NaN;
  return [ms, cpu];
}

const COMMANDS: Array<[string, string[]]> = [
  ['version', ['version']],
  ['images', ['images']],
  ['ps -a', ['ps', '-a']],
  ['inspect bench', ['inspect', 'bench']],
  ['logs bench', ['logs', 'bench']],
  ['port bench', ['port', 'bench']],
];

async function measure(kind: PlaceKind): Promise<Map<string, number[]>> {
  const where = place(kind, BENCH_DIR, 2);
  const dir = where.mount;
  process.env.TMPDIR = dir;
  const tarball = baseTarball();
  const senv = { ...process.env, STOWAGE_ROOT: path.join(dir, 's-root'), STOWAGE_RUNROOT: path.join(dir, 's-run') };
  const docker = await startDockerDaemon({ bridge: true, stateDir: dir });
  const denv = { ...process.env, ...docker.cliEnv() };
  const runroot = `/run/stowage-bench-${process.pid}`;
  const pargs = [
    '--root',
    path.join(dir, 'p-root'),
    '--runroot',
    runroot,
    '--runtime',
    '/usr/sbin/runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--storage-driver',
    'overlay',
  ];
  const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
  const results = new Map<string, number[]>();
  const add = (k: string, [wall, cpu]: [number, number]) => {
    results.set(k, [...(results.get(k) ?? []), wall]);
    results.set(`${k} cpu`, [...(results.get(`${k} cpu`) ?? []), cpu]);
  };
  try {
    const logCmd = ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done; exec sleep 100000'];
    execFileSync(process.execPath, [CLI, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], { env: senv });
    execFileSync(process.execPath, [CLI, 'run', '-d', '--name', 'bench', '-p', '127.0.0.1::80', 'busybox', ...logCmd], {
      env: senv,
    });
    await docker.ok(['import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest']);
    await docker.ok(['run', '-d', '--name', 'bench', '-p', '127.0.0.1::80', 'busybox', ...logCmd]);
    execFileSync('podman', [...pargs, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // podman's networks need a configuration this machine lacks: its container has no ports (port prints nothing)
    execFileSync(
      'podman',
      [...pargs, 'run', '-d', ...limits, '--network', 'none', '--name', 'bench', 'busybox', ...logCmd],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < rounds; i++) {
      add('node -e 0', time(process.execPath, ['-e', '0'], process.env));
      for (const [name, argv] of COMMANDS) {
        add(`stowage ${name}`, time(FRONT_END, argv, senv));
        add(`docker ${name}`, time('docker', argv, denv));
        add(`podman ${name}`, time('podman', [...pargs, ...argv], process.env));
      }
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    spawnSync('podman', [...pargs, 'system', 'reset', '-f'], { stdio: 'ignore' });
    fs.rmSync(runroot, { recursive: true, force: true });
    await docker.stop();
    where.dispose();
    where.remove();
  }
  return results;
}

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const sections: string[] = [];
  for (const kind of placesFromArgs(args)) {
    const res = await measure(kind);
    const m = (k: string) => median(res.get(k)!);
    const node = m('node -e 0');
    const nodeCpu = m('node -e 0 cpu');
    const rows = COMMANDS.map(([name]) => {
      const s = m(`stowage ${name}`);
      const sc = m(`stowage ${name} cpu`);
      return `| \`${name}\` | ${s.toFixed(0)} ms (${sc.toFixed(0)} ms) | **+${(s - node).toFixed(0)} ms** (+${(sc - nodeCpu).toFixed(0)} ms) | ${m(`docker ${name}`).toFixed(0)} ms (${m(`docker ${name} cpu`).toFixed(0)} ms) | ${m(`podman ${name}`).toFixed(0)} ms (${m(`podman ${name} cpu`).toFixed(0)} ms) | ${s - node <= 15 ? 'met' : 'not met'} |`;
    });
    sections.push(`On the ${PLACE_NAME[kind]}; \`node -e 0\`: ${node.toFixed(0)} ms (CPU ${nodeCpu.toFixed(0)} ms).

| command | stowage: wall (CPU) | stowage − \`node -e 0\`: wall (CPU) | Docker 20.10 CLI: wall (CPU) | podman 4: wall (CPU) | target: within 15 ms of \`node -e 0\` (wall) |
|---|---|---|---|---|---|
${rows.join('\n')}`);
  }
  const table = `
Median of ${rounds} runs of each command, all commands and tools interleaved round by round; stowage as on PATH (the native front end, which starts Node.js for these commands), against a store holding busybox and one running container with a published port and 10 log lines (Docker: the same in a daemon of its own with its own bridge; podman 4: the same without a network, its port list is empty). Machine: ${machine()}; load average ${os.loadavg()[0].toFixed(2)} at the end of the run.
Reproduce: \`npm run build && node dist/bench/everyday.js --rounds ${rounds} --write\`.

${sections.join('\n\n')}
`;
  console.log(table);
  if (args.includes('--write')) writeSection('everyday', `## everyday read commands (issue 17)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
