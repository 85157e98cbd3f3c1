// `create`: a container from an image, not started.
import type { Command } from '../../command';
import { CREATE_FLAGS } from '../../create-flags';
import { createContainer } from '../../create-container';

export const containerCreate: Command = {
  name: 'container create',
  aliases: [['create']],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  minArgs: 1,
  interspersed: false,
  engineExit: true,
  flags: CREATE_FLAGS,
  async run(ctx, args, flags) {
    ctx.out(`${(await createContainer(ctx, args, flags)).record.id}\n`);
  },
};
