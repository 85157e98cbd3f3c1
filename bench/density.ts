// Benchmark: memory of idle containers. N containers running `sleep` with each
// tool, then the memory of what each tool keeps running for them: stowage's and
// podman's conmon per container (neither has a daemon), Docker's dockerd, its
// containerd and one containerd-shim per container. Memory is PSS (shared
// library pages divided among the processes sharing them) and RSS, from
// /proc/PID/smaps_rollup; the containers' own processes are not counted.
//
//   node dist/bench/density.js [--containers N] [--place root|scratch] [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { baseTarball } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';
import { CLI, FRONT_END, machine, place, PLACE_NAME, placesFromArgs, writeSection, type PlaceKind } from './lib';

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--containers') + 1]) || 100;
const BENCH_DIR = process.env.BENCH_DIR ?? '/var/tmp/stowage-bench';

interface Proc {
  pid: number;
  comm: string;
  cmdline: string;
  pssKb: number;
  rssKb: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const rollup = fs.readFileSync(`/proc/${name}/smaps_rollup`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      out.push({ pid: Number(name), comm, cmdline, pssKb: kb('Pss'), rssKb: kb('Rss') });
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return out;
}

interface Usage {
  monitors: Proc[];
  daemons: Proc[];
}

const sum = (ps: Proc[], k: 'pssKb' | 'rssKb') => ps.reduce((n, p) => n + p[k], 0) / 1024;

async function measure(kind: PlaceKind): Promise<Record<'stowage' | 'docker' | 'podman', Usage>> {
  const where = place(kind, BENCH_DIR, 4);
  const dir = where.mount;
  process.env.TMPDIR = dir;
  const tarball = baseTarball();
  const sroot = path.join(dir, 's-root');
  const senv = { ...process.env, STOWAGE_ROOT: sroot, STOWAGE_RUNROOT: path.join(dir, 's-run') };
  const docker = await startDockerDaemon({ bridge: true, stateDir: dir });
  const runroot = `/run/stowage-bench-${process.pid}`;
  const proot = path.join(dir, 'p-root');
  const pargs = [
    '--root',
    proot,
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
  try {
    execFileSync(process.execPath, [CLI, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], { env: senv });
    await docker.ok(['import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest']);
    execFileSync('podman', [...pargs, 'import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const denv = { ...process.env, ...docker.cliEnv() };
    for (let i = 0; i < count; i++) {
      execFileSync(FRONT_END, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000'], {
        env: senv,
        stdio: 'ignore',
      });
      execFileSync('docker', ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000'], {
        env: denv,
        stdio: 'ignore',
      });
      execFileSync('podman', [...pargs, 'run', '-d', ...limits, '--network', 'none', 'busybox', 'sleep', '100000'], {
        stdio: 'ignore',
      });
      if ((i + 1) % 20 === 0) console.error(`${kind}: ${i + 1}/${count} containers each`);
    }
    await new Promise((r) => setTimeout(r, 5000)); // let start-up allocations settle
    const ps = processes();
    const mine = (p: Proc, ...marks: string[]) => marks.some((m) => p.cmdline.includes(m));
    const dockerMarks = [docker.dataRoot, docker.execRoot, `-namespace ${docker.containerdNamespace} `];
    return {
      stowage: { monitors: ps.filter((p) => p.comm === 'conmon' && mine(p, sroot, senv.STOWAGE_RUNROOT)), daemons: [] },
      podman: { monitors: ps.filter((p) => p.comm === 'conmon' && mine(p, proot, runroot)), daemons: [] },
      docker: {
        monitors: ps.filter((p) => p.comm.startsWith('containerd-shim') && mine(p, ...dockerMarks)),
        daemons: ps.filter((p) => (p.comm === 'dockerd' || p.comm === 'containerd') && mine(p, ...dockerMarks)),
      },
    };
  } finally {
    spawnSync(process.execPath, [CLI, 'system', 'reset', '-f'], { env: senv });
    spawnSync('podman', [...pargs, 'system', 'reset', '-f'], { stdio: 'ignore' });
    fs.rmSync(runroot, { recursive: true, force: true });
    await docker.stop();
    where.dispose();
    where.remove();
  }
}

async function main() {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const sections: string[] = [];
  for (const kind of placesFromArgs(args)) {
    const u = await measure(kind);
    const row = (tool: string, x: Usage, monitor: string) => {
      const n = x.monitors.length;
      const all = [...x.monitors, ...x.daemons];
      const daemons = x.daemons.length
        ? `${sum(x.daemons, 'pssKb').toFixed(0)} MB (${x.daemons.map((p) => p.comm).join(', ')})`
        : 'none';
      return `| ${tool} | ${monitor} × ${n} | ${(sum(x.monitors, 'pssKb') / n).toFixed(2)} MB (RSS ${(sum(x.monitors, 'rssKb') / n).toFixed(2)} MB) | ${daemons} | **${sum(all, 'pssKb').toFixed(0)} MB** (RSS ${sum(all, 'rssKb').toFixed(0)} MB) |`;
    };
    sections.push(`On the ${PLACE_NAME[kind]}:

| tool | monitors found | per idle container: PSS (RSS) | daemons: PSS | whole engine with ${count} idle containers: PSS (RSS) |
|---|---|---|---|---|
${row('stowage', u.stowage, 'conmon')}
${row('Docker 20.10', u.docker, 'containerd-shim-runc-v2')}
${row('podman 4', u.podman, 'conmon')}`);
  }
  const table = `
${count} containers per tool (\`run -d --network none busybox sleep 100000\`), all three tools' containers running at once; measured 5 s after the last start. PSS counts a shared page once among its sharers (${count} conmons share one conmon binary and libc), RSS counts it in each. Machine: ${machine()}.
Reproduce: \`npm run build && node dist/bench/density.js --containers ${count} --write\`.

${sections.join('\n\n')}
`;
  console.log(table);
  if (args.includes('--write')) writeSection('density', `## density: idle containers (issue 17)\n${table}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
