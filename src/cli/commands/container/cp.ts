// `cp`: files copied into or out of a container.
import { copyFromContainer, copyToContainer } from '../../../engine/cp';
import { cliError, errnoCode, invalidArgument } from '../../../errdefs';
import { command } from '../../command';
import { humanSize } from '../../../util/units';

/** CONTAINER:PATH, or a plain local path (a colon after a slash is part of a path). */
function splitArg(a: string): { container?: string; path: string } {
  if (a.startsWith('/') || a.startsWith('.')) return { path: a };
  const i = a.indexOf(':');
  return i > 0 ? { container: a.slice(0, i), path: a.slice(i + 1) } : { path: a };
}

export const containerCp = command({
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
    const container = src.container ?? dst.container;
    if (!container) throw cliError('must specify at least one container source');
    if (!src.path || !dst.path) throw invalidArgument('filepath cannot be empty');
    const opts = { follow: flags['follow-link'], archive: flags.archive };
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
      const c = ctx.containers.find(container);
      n = await copyToContainer(ctx.containers, c, src.path, dst.path, opts, src.path === '-' ? ctx.stdin : undefined);
      where = b;
    }
    if (!flags.quiet && ctx.stderr.isTTY && where !== '-') ctx.err(`Successfully copied ${humanSize(n)} to ${where}\n`);
  },
});
