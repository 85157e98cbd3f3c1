// Benchmark: rootless `run --rm IMAGE sh -c :` and `exec CONTAINER sh -c :`,
// stowage beside podman 4 (runc), both run by one ordinary user made for the
// benchmark (useradd, ranges in /etc/subuid), on the same busybox image, in the
// same run. Medians of N runs each, tools interleaved round by round.
//
//   node dist/bench/rootless.js [--rounds N] [--write]     (as root: it makes the user)
import { spawnSync } from 'node:child_process';
import { baseTarball } from '../test/helpers';
import { RootlessUser } from '../test/rootless-kit';
import { FRONT_END, machine, median, writeSection } from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 15;

function main() {
  const user = new RootlessUser();
  const env = user.env();
  const as = (cmd: string, argv: string[]) => [
    '-u',
    user.name,
    '--',
    'env',
    '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    cmd,
    ...argv,
  ];
  const must = (cmd: string, argv: string[]) => {
    const r = spawnSync('runuser', as(cmd, argv), { cwd: user.home, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`);
  };
  // runuser's own start is in every sample of both tools alike
  const time = (cmd: string, argv: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('runuser', as(cmd, argv), { cwd: user.home, stdio: ['ignore', 'ignore', 'pipe'] });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.toString()}`);
    return s;
  };
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number) => (results[k] ??= []).push(v);
  const tools: Array<[string, string]> = [
    ['stowage', FRONT_END],
    ['podman', 'podman'],
  ];
  try {
    const tarball = user.give('rootfs.tar', baseTarball());
    for (const [, cmd] of tools) {
      must(cmd, ['import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest']);
      must(cmd, ['run', '-d', '--name', 'bench', '--network', 'none', 'busybox', 'sleep', '100000']);
      must(cmd, ['run', '--rm', 'busybox', 'true']); // each engine's first run makes its namespaces
    }
    for (let i = 0; i < rounds; i++) {
      // who goes first alternates
      for (const [name, cmd] of i % 2 ? [...tools].reverse() : tools) {
        add(`${name} run none`, time(cmd, ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', ':']));
        add(`${name} run default`, time(cmd, ['run', '--rm', 'busybox', 'sh', '-c', ':']));
        add(`${name} exec`, time(cmd, ['exec', 'bench', 'sh', '-c', ':']));
      }
    }
  } finally {
    spawnSync('runuser', as('podman', ['system', 'reset', '-f']), { cwd: user.home, stdio: 'ignore' });
    user.remove();
  }
  const m = (k: string) => median(results[k]);
  const row = (what: string, k: string) =>
    `| ${what} | ${m(`stowage ${k}`).toFixed(3)} s | ${m(`podman ${k}`).toFixed(3)} s | **${(m(`stowage ${k}`) / m(`podman ${k}`)).toFixed(2)}** | ≤ 1.0 |`;
  const table = `
Median of ${rounds} runs each, both rootless, run by one ordinary user made for the benchmark (runuser's
start is in every sample of both), tools interleaved and taking turns at going first, busybox-static
imported from the same tarball into each. podman 4 with its defaults for a new user (overlay, runc,
cgroupfs: this host has cgroup v1; slirp4netns per container for its default network); stowage's
default network is its bridge in the user's network namespace, slirp4netns shared. Machine: ${machine()}.
Reproduce (as root): \`npm run build && node dist/bench/rootless.js --rounds ${rounds} --write\`.

| command (as an ordinary user) | stowage | podman 4 | stowage ÷ podman | target |
|---|---|---|---|---|
${row('`run --rm --network none busybox sh -c :`', 'run none')}
${row('`run --rm busybox sh -c :` (default network)', 'run default')}
${row('`exec bench sh -c :`', 'exec')}
`;
  console.log(table);
  if (args.includes('--write')) writeSection('rootless', `## rootless run and exec (issue 13)\n${table}`);
}

main();
