// The nightly soak: N clients (default 8) on one fresh store for M minutes
// (default 10), then the same checks as test/integration/soak.test.ts. Exits 1
// when anything failed or was left behind. As root, after npm run build:
//
//   node dist/tools/soak.js [--clients 8] [--minutes 10 | --rounds N]
import { TestEnv } from '../test/helpers';
import { leftover, soak } from '../test/soak';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);

async function main(): Promise<number> {
  const env = new TestEnv('stowage-soak-');
  try {
    await env.baseImage('busybox:latest');
    const rounds = args.includes('--rounds') ? opt('--rounds', 1) : undefined;
    const r = await soak(env, {
      clients: opt('--clients', 8),
      rounds,
      minutes: rounds ? undefined : opt('--minutes', 10),
      log: (l) => console.error(l),
    });
    const problems = [
      ...r.failures,
      ...(r.check.code !== 0 || r.check.stdout || r.check.stderr
        ? [`system check: ${r.check.stdout}${r.check.stderr}`]
        : []),
      ...r.brokenImages.map((i) => `image not whole: ${i}`),
      ...Object.entries(leftover(r.before, r.after)).map(
        ([kind, items]) => `left behind (${kind}): ${items.join(', ')}`,
      ),
    ];
    console.log(
      `${r.rounds} rounds, ${r.operations} operations; ${problems.length ? `problems:\n${problems.join('\n')}` : 'nothing left behind'}`,
    );
    return problems.length ? 1 : 0;
  } finally {
    env.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
