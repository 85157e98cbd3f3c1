// `export`: a container's filesystem as a tar archive.
import { exportContainer } from '../../../engine/cp';
import { invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import { openOutput } from '../../output/output-file';
import { fdSink, streamSink } from '../../../tar/writer';

export const containerExport: Command = {
  name: 'container export',
  aliases: [['export']],
  usage: '[OPTIONS] CONTAINER',
  description: "Export a container's filesystem as a tar archive",
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'output', short: 'o', kind: 'string', valueName: 'string', help: 'Write to a file, instead of STDOUT' },
  ],
  async run(ctx, [name], flags) {
    const output = flags.output as string;
    if (!output && ctx.stdout.isTTY)
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const c = ctx.containers.find(name);
    const file = output ? openOutput(output, 'export container') : undefined;
    try {
      await exportContainer(ctx.containers, c, file ? fdSink(file.fd) : streamSink(ctx.stdout));
      file?.commit();
    } catch (e) {
      file?.abort();
      throw e;
    }
  },
};
