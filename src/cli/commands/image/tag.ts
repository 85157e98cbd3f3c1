import { StowageError } from '../../../errdefs';
import { InvalidReferenceError, parseTagTarget } from '../../../reference';
import type { Command } from '../../command';

export const imageTag: Command = {
  name: 'image tag',
  aliases: [['tag']],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  run(ctx, [source, target]) {
    try {
      parseTagTarget(target);
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      // the docker CLI checks the new name itself, and words it so
      const why = e.remote ? `invalid reference format: repository name (${e.remote}) must be lowercase` : e.message;
      throw new StowageError('invalid-argument', `Error parsing reference: "${target}" is not a valid repository/tag: ${why}`, { bare: true });
    }
    ctx.images.tag(source, target);
  },
};
