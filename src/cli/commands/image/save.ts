import { fdSink, streamSink } from '../../../tar/writer';
import { resolveSaveTargets, saveImages } from '../../../archive/save';
import { invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import { NO_PROGRESS, TerminalProgress } from '../../output/progress';
import { checkOutputPath, openOutput } from '../../output/output-file';

export const imageSave: Command = {
  name: 'image save',
  aliases: [['save']],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  minArgs: 1,
  flags: [
    { long: 'output', short: 'o', kind: 'string', valueName: 'string', help: 'Write to a file, instead of STDOUT' },
  ],
  async run(ctx, args, flags) {
    const output = flags.output as string;
    if (output) checkOutputPath(output, 'save image'); // before any lookup, as docker
    if (!output && ctx.stdout.isTTY)
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const targets = resolveSaveTargets(ctx.images, ctx.store, args);
    if (!output) {
      await saveImages(
        ctx.store,
        targets,
        streamSink(ctx.stdout),
        ctx.stderr.isTTY ? new TerminalProgress(ctx.stderr) : NO_PROGRESS,
      );
      return;
    }
    const out = openOutput(output, 'save image');
    try {
      await saveImages(
        ctx.store,
        targets,
        fdSink(out.fd),
        ctx.stdout.isTTY ? new TerminalProgress(ctx.stdout) : NO_PROGRESS,
      );
      out.commit();
    } catch (e) {
      out.abort();
      throw e;
    }
  },
};
