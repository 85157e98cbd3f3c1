// `rm` (`container rm`).
import { isNotFound } from '../../../errdefs';
import { eachArg, type Command } from '../../command';

export const containerRemove: Command = {
  name: 'container rm',
  aliases: [['container', 'remove'], ['rm']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  run: (ctx, args, flags) =>
    eachArg(
      ctx,
      args,
      async (a) => {
        await ctx.containers.remove(a, { force: flags.force as boolean, volumes: flags.volumes as boolean });
      },
      // as docker: with -f a missing container is reported but is not a failure
      (e) => !!flags.force && isNotFound(e) && 'printed',
    ),
};
