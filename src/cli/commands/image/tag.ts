import { cliError } from '../../../errdefs';
import { InvalidReferenceError, parseTagTarget } from '../../../reference';
import type { Command } from '../../command';

/**
 * The docker CLI checks a new image name itself (tag, import, commit), before
 * asking the engine anything, and prints its error without "Error:".
 */
export function checkNewName(target: string, context = (why: string) => why): void {
  try {
    parseTagTarget(target);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    const why = e.remote ? `invalid reference format: repository name (${e.remote}) must be lowercase` : e.message;
    throw cliError(context(why));
  }
}

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
