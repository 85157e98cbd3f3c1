import fs from 'node:fs';
import path from 'node:path';
import { fdSink, streamSink } from '../../../archive/tar-writer';
import { resolveSaveTargets, saveImages } from '../../../archive/save';
import { invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import { NO_PROGRESS, TerminalProgress } from '../../output/progress';

export const imageSave: Command = {
  name: 'image save',
  aliases: [['save']],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  minArgs: 1,
  flags: [{ long: 'output', short: 'o', kind: 'string', valueName: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, args, flags) {
    const output = flags.output as string;
    if (!output && ctx.stdout.isTTY) throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const targets = resolveSaveTargets(ctx.images, ctx.store, args);
    if (!output) {
      await saveImages(ctx.store, targets, streamSink(ctx.stdout), ctx.stderr.isTTY ? new TerminalProgress(ctx.stderr) : NO_PROGRESS);
      return;
    }
    // written beside the target and renamed into place: no half archive under the real name
    const tmp = path.join(path.dirname(path.resolve(output)), `.${path.basename(output)}.${process.pid}.tmp`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'wx', 0o600);
    } catch (e) {
      throw invalidArgument(`failed to save image: invalid output path: ${(e as Error).message}`);
    }
    try {
      await saveImages(ctx.store, targets, fdSink(fd), ctx.stdout.isTTY ? new TerminalProgress(ctx.stdout) : NO_PROGRESS);
      fs.closeSync(fd);
      fs.renameSync(tmp, output);
    } catch (e) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  },
};
