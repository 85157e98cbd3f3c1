// `tag` (`image tag`).
import type { Command } from '../../command';
import { checkNewName } from '../../image-name';

export const imageTag: Command = {
  name: 'image tag',
  aliases: [['tag']],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  run(ctx, [source, target]) {
    checkNewName(target, (why) => `Error parsing reference: "${target}" is not a valid repository/tag: ${why}`);
    ctx.images.tag(source, target);
  },
};
