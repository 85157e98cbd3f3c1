import fs from 'node:fs';
import { loadArchive, type ArchiveSource } from '../../../archive/load';
import { invalidArgument, cliError } from '../../../errdefs';
import { familiarString } from '../../../reference';
import { command } from '../../command';
import { NO_PROGRESS, TerminalProgress } from '../../output/progress';

export const imageLoad = command({
  name: 'image load',
  aliases: [['load']],
  usage: '[OPTIONS]',
  description: 'Load an image from a tar archive or STDIN',
  maxArgs: 0,
  flags: [
    {
      long: 'input',
      short: 'i',
      kind: 'string',
      valueName: 'string',
      help: 'Read from tar archive file, instead of STDIN',
    },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the load output' },
  ],
  async run(ctx, _args, flags) {
    const input = flags.input;
    let source: ArchiveSource;
    if (input) {
      try {
        fs.accessSync(input, fs.constants.R_OK);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
        throw cliError(`open ${input}: ${why}`); // the docker CLI opens the file
      }
      source = fs.statSync(input).isFile()
        ? { file: input }
        : { stream: fs.createReadStream(input, { highWaterMark: 1 << 20 }) };
    } else {
      if (ctx.stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
      source = { stream: ctx.stdin };
    }
    const quiet = flags.quiet || !ctx.stdout.isTTY;
    const loaded = await loadArchive(ctx.store, ctx.images, source, {
      progress: quiet ? NO_PROGRESS : new TerminalProgress(ctx.stdout),
      onRetag: (ref, old) =>
        ctx.out(
          `The image ${familiarString(ref)} already exists, renaming the old one with ID ${old} to empty string\n`,
        ),
    });
    for (const img of loaded) {
      if (img.tags.length === 0) ctx.out(`Loaded image ID: ${img.id}\n`);
      for (const t of img.tags) ctx.out(`Loaded image: ${familiarString(t)}\n`);
    }
  },
});
