// `volume inspect`.
import { INSPECT_FORMAT_FLAG, type Command } from '../../command';
import { printInspect } from '../../output/inspect';
import { inspectVolume } from '../../inspectors';

export const volumeInspectCmd: Command = {
  name: 'volume inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format as string, (n) => inspectVolume(ctx, n)),
};
