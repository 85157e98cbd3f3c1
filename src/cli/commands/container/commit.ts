import { commitContainer, containerChanges } from '../../../engine/commit';
import { checkNewName } from '../image/tag';
import type { Command } from '../../command';

export const containerCommit: Command = {
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
    const id = await commitContainer(ctx.store, ctx.images, ctx.containers, container, {
      ref,
      author: flags.author as string,
      message: flags.message as string,
      changes: flags.change as string[],
      pause: flags.pause as boolean,
    });
    ctx.out(`${id}\n`);
  },
};

export const containerDiff: Command = {
  name: 'container diff',
  aliases: [['diff']],
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  minArgs: 1,
  maxArgs: 1,
  run(ctx, [name]) {
    for (const ch of containerChanges(ctx.store, ctx.containers, name)) ctx.out(`${ch.kind} ${ch.path}\n`);
  },
};
