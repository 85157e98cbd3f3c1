// `image inspect`.
import { INSPECT_FORMAT_FLAG, type Command } from '../../command';
import { printInspect } from '../../output/inspect';
import { inspectImage } from '../../inspectors';

export const imageInspectCmd: Command = {
  name: 'image inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format as string, (r) => inspectImage(ctx, r)),
};
