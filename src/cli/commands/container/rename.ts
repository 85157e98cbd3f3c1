// `rename`.
import { type Command } from '../../command';
import { errorOutput } from '../../exit';

export const containerRename: Command = {
  name: 'container rename',
  aliases: [['rename']],
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [c, name]) {
    try {
      await ctx.containers.rename(c, name);
    } catch (e) {
      // as docker: the engine's error, then the CLI's own line
      ctx.err(errorOutput(e).message);
      ctx.err(`Error: failed to rename container named ${c}\n`);
      return 1;
    }
  },
};
