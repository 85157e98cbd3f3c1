// `commit`: an image made from a container's changes.
import { commitContainer } from '../../../engine/commit';
import { checkNewName } from '../../image-name';
import { command } from '../../command';

export const containerCommit = command({
  name: 'container commit',
  aliases: [['commit']],
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    {
      long: 'author',
      short: 'a',
      kind: 'string',
      valueName: 'string',
      help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    { long: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', valueName: 'string', help: 'Commit message' },
    { long: 'pause', short: 'p', kind: 'bool', default: true, help: 'Pause container during commit' },
  ],
  async run(ctx, [container, ref], flags) {
    if (ref) checkNewName(ref);
    const id = await commitContainer(ctx.store, ctx.images, ctx.containerLayers, container, {
      ref,
      author: flags.author,
      message: flags.message,
      changes: flags.change,
      pause: flags.pause,
    });
    ctx.out(`${id}\n`);
  },
});
