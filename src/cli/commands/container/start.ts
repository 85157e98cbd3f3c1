// `start`: stopped containers started, or one attached (-a, -i).
import { invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import { errorOutput } from '../../exit';
import { DETACH_KEYS_FLAG, runAttached } from '../../attach-terminal';

export const containerStart: Command = {
  name: 'container start',
  aliases: [['start']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  minArgs: 1,
  engineExit: true,
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    DETACH_KEYS_FLAG,
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, args, flags) {
    if (flags.attach || flags.interactive) {
      if (args.length > 1) throw invalidArgument('you cannot start and attach multiple containers at once');
      const c = ctx.containers.find(args[0]);
      return runAttached(ctx, c.record.id, {
        tty: !!c.record.config.Tty,
        interactive: flags.interactive as boolean,
        detachKeys: flags['detach-keys'] as string,
      });
    }
    const failed: string[] = [];
    for (const a of args) {
      try {
        await ctx.containers.start(a);
        ctx.out(`${a}\n`);
      } catch (e) {
        ctx.err(errorOutput(e).message);
        failed.push(a);
      }
    }
    if (!failed.length) return 0;
    // the CLI's own summary: no engine prefix, exit 1 (not 125)
    ctx.err(`Error: failed to start containers: ${failed.join(', ')}\n`);
    return 1;
  },
};
