import { command } from '../../command';
import { errorOutput } from '../../exit';
import { isNotFound } from '../../../errdefs';

export const imageRemove = command({
  name: 'image rm',
  aliases: [['image', 'remove'], ['rmi']],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  run(ctx, args, flags) {
    let failed = false;
    for (const ref of args) {
      try {
        for (const r of ctx.images.remove(ref, {
          force: flags.force,
          noPrune: flags['no-prune'],
        })) {
          ctx.out(r.untagged ? `Untagged: ${r.untagged}\n` : `Deleted: ${r.deleted}\n`);
        }
      } catch (e) {
        // as docker: report each failure and go on with the other images; with -f a
        // missing image is reported but does not fail the command
        ctx.err(errorOutput(e).message);
        if (!(flags.force && isNotFound(e))) failed = true;
      }
    }
    return failed ? 1 : 0;
  },
});
