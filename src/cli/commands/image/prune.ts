import { invalidArgument } from '../../../errdefs';
import { type Command, NO_PROMPT_FLAG } from '../../command';
import type { Ctx } from '../../context';
import { humanSize } from '../../../util/units';
import type { Pruned } from '../container/lifecycle';

/** Asks y/N on the terminal, as docker's prune commands do without --force. */
export async function confirm(ctx: Ctx, warning: string): Promise<boolean> {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      ctx.stdin.off('data', onData);
      ctx.stdin.pause();
      resolve(buf.trim());
    };
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', done);
  });
  return /^y(es)?$/i.test(answer);
}

export const imagePrune: Command = {
  name: 'image prune',
  usage: '[OPTIONS]',
  description: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { long: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    if ((flags.filter as string[]).length) throw invalidArgument('filters are not supported by image prune yet');
    const warning = flags.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!flags.force && !(await confirm(ctx, warning))) return 0;
    const { output, reclaimed } = pruneImages(ctx, flags.all as boolean);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};

export function pruneImages(ctx: Ctx, all: boolean): Pruned {
  const { records, reclaimed } = ctx.images.prune({ all });
  const lines = records.map((r) => (r.untagged ? `untagged: ${r.untagged}\n` : `deleted: ${r.deleted}\n`));
  return { output: records.length ? `Deleted Images:\n${lines.join('')}` : '', reclaimed };
}
