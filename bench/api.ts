// Benchmark: the docker CLI 28 against `stowage system service` and against
// Docker 20.10, side by side in one run, tools interleaved round by round:
// `docker run --rm` (no network, and the default bridge), `docker exec`,
// `docker ps` and `docker images`. Both engines keep their state on the
// root filesystem (/var/tmp), where users have it. The engines take turns at
// going first in each round.
//
//   node dist/bench/api.js [--rounds N] [--write]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { baseTarball, startService, TestEnv } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';
import { machine, median, writeSection } from './lib';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 15;
/** Runs of each read command per round. */
const QUICK = 5;

function time(argv: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('docker', argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`docker ${argv.join(' ')}: ${r.stderr.toString()}`);
  return s;
}

async function main() {
  const base = '/var/tmp/stowage-bench-api';
  fs.mkdirSync(base, { recursive: true });
  process.env.TMPDIR = base;
  const env = new TestEnv('api-');
  await env.baseImage('busybox:latest');
  const api = await startService(env);
  const docker = await startDockerDaemon({ bridge: true, stateDir: base });
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
  const engines = {
    stowage: { ...process.env, DOCKER_HOST: `unix://${api.socket}` },
    docker: { ...process.env, ...docker.cliEnv() },
  };
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number) => (results[k] ??= []).push(v);
  try {
    for (const e of Object.values(engines))
      time(['run', '-d', '--network', 'none', '--name', 'bench', 'busybox', 'sleep', '100000'], e);
    for (let i = 0; i < rounds; i++) {
      const order = Object.entries(engines);
      for (const [name, e] of i % 2 ? [...order].reverse() : order) {
        add(`${name} run --rm (none)`, time(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', ':'], e));
        add(`${name} run --rm (bridge)`, time(['run', '--rm', 'busybox', 'sh', '-c', ':'], e));
        add(`${name} exec`, time(['exec', 'bench', 'sh', '-c', ':'], e));
      }
      // the read commands take 10-20 ms, most of it the docker CLI's own start, and a
      // machine's noise moves one run by as much as the engines differ: each is timed
      // QUICK times a round, the engines alternating command by command
      for (let q = 0; q < QUICK; q++)
        for (const w of ['ps', 'images'])
          for (const [name, e] of (i + q) % 2 ? [...order].reverse() : order) add(`${name} ${w}`, time([w], e));
    }
  } finally {
    for (const e of Object.values(engines)) spawnSync('docker', ['rm', '-f', 'bench'], { env: e, stdio: 'ignore' });
    await api.stop();
    await docker.stop();
    env.cleanup();
  }
  const rows = ['run --rm (none)', 'run --rm (bridge)', 'exec', 'ps', 'images'].map((w) => {
    const s = median(results[`stowage ${w}`]);
    const d = median(results[`docker ${w}`]);
    const ms = (x: number) => `${(x * 1000).toFixed(1)} ms`;
    return `| \`docker ${w}\` | ${ms(s)} | ${ms(d)} | ${(s / d).toFixed(2)}x |`;
  });
  const body = [
    '## The docker CLI through `system service`, beside Docker 20.10',
    '',
    `Medians of ${rounds} rounds (${rounds * QUICK} runs of \`ps\` and \`images\`), the two engines interleaved and taking turns at going first, both with their state on the root filesystem; ${machine()}.`,
    `Reproduce: \`node dist/bench/api.js --rounds ${rounds} --write\`.`,
    '',
    '| command | stowage service | Docker 20.10 | ratio |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  console.log(body);
  if (args.includes('--write')) writeSection('api', body);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
