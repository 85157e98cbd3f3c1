import type { Command } from '../../command';

export const imageTag: Command = {
  name: 'image tag',
  aliases: [['tag']],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  run(ctx, [source, target]) {
    ctx.images.tag(source, target);
  },
};
