// `system check` (as podman 5's, which podman 4.3 does not have yet): what the
// store and the host hold that nothing accounts for any more, one row each;
// exits 1 when anything is found. `--repair` removes them and checks again.
import { StoreCheck, type Finding } from '../../../engine/check';
import { failedPrecondition } from '../../../errdefs';
import { command } from '../../command';
import type { Ctx } from '../../context';
import { tabwrite } from '../../output/table';

function table(findings: Finding[], done?: Set<Finding>): string {
  const head = done ? 'KIND\tOBJECT\tPROBLEM\tREPAIRED' : 'KIND\tOBJECT\tPROBLEM';
  const rows = findings.map((f) =>
    [f.kind, f.object, f.problem, ...(done ? [done.has(f) ? 'yes' : 'no'] : [])].join('\t'),
  );
  return `${tabwrite([head, ...rows].join('\n'))}\n`;
}

const check = (ctx: Ctx) => new StoreCheck(ctx.store, ctx.images, ctx.containers).find();

export const systemCheck = command({
  name: 'system check',
  usage: '[OPTIONS]',
  description: 'Find (and with --repair remove) what the store and the host hold that nothing accounts for',
  maxArgs: 0,
  flags: [{ long: 'repair', short: 'r', kind: 'bool', help: 'Remove what is found, then check again' }],
  async run(ctx, _args, flags) {
    const found = await check(ctx);
    if (found.length === 0) return;
    if (!flags.repair) {
      ctx.out(table(found));
      throw failedPrecondition(
        `${found.length} ${found.length === 1 ? 'problem' : 'problems'} found ('stowage system check --repair' removes them)`,
      );
    }
    const done = new Set<Finding>();
    for (const f of found) {
      try {
        await f.repair();
        done.add(f);
      } catch (err) {
        ctx.err(`${f.kind} ${f.object}: ${(err as Error).message}\n`);
      }
    }
    ctx.out(table(found, done));
    const left = await check(ctx);
    if (left.length) {
      ctx.out(`\nStill there after the repair:\n${table(left)}`);
      throw failedPrecondition(
        `${left.length} ${left.length === 1 ? 'problem' : 'problems'} still present after the repair`,
      );
    }
  },
});
