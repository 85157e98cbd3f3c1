// `image inspect`.
import { INSPECT_FORMAT_FLAG, command } from '../../command';
import { printInspect } from '../../output/inspect';
import { inspectImage } from '../../inspectors';

export const imageInspectCmd = command({
  name: 'image inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format, (r) => inspectImage(ctx, r)),
});
