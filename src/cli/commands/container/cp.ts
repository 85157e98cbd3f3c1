import { copyFromContainer, copyToContainer, exportContainer } from '../../../engine/cp';
import { cliError, errnoCode, invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import { humanSize } from '../../../util/units';
import { openOutput } from '../../output/output-file';
import { fdSink, streamSink } from '../../../tar/writer';

/** CONTAINER:PATH, or a plain local path (a colon after a slash is part of a path). */
function splitArg(a: string): { container?: string; path: string } {
  if (a.startsWith('/') || a.startsWith('.')) return { path: a };
  const i = a.indexOf(':');
  return i > 0 ? { container: a.slice(0, i), path: a.slice(i + 1) } : { path: a };
}

export const containerCp: Command = {
  name: 'container cp',
  aliases: [['cp']],
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tstowage cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  description: 'Copy files/folders between a container and the local filesystem',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress progress output during copy' },
  ],
  async run(ctx, [a, b], flags) {
    const src = splitArg(a);
    const dst = splitArg(b);
    if (src.container && dst.container) throw invalidArgument('copying between containers is not supported');
    if (!src.container && !dst.container) throw cliError('must specify at least one container source');
    if (!src.path || !dst.path) throw invalidArgument('filepath cannot be empty');
    const opts = { follow: flags['follow-link'] as boolean, archive: flags.archive as boolean };
    let n: number;
    let where: string;
    if (src.container) {
      const c = ctx.containers.find(src.container);
      try {
        n = await copyFromContainer(
          ctx.containers,
          c,
          src.path,
          dst.path,
          opts,
          dst.path === '-' ? ctx.stdout : undefined,
        );
      } catch (e) {
        if (errnoCode(e) === 'EPIPE') return; // the reader had enough (`| head`): quiet, as for any Unix tool
        throw e;
      }
      where = dst.path;
    } else {
      const c = ctx.containers.find(dst.container!);
      n = await copyToContainer(ctx.containers, c, src.path, dst.path, opts, src.path === '-' ? ctx.stdin : undefined);
      where = b;
    }
    if (!flags.quiet && ctx.stderr.isTTY && where !== '-') ctx.err(`Successfully copied ${humanSize(n)} to ${where}\n`);
  },
};

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
