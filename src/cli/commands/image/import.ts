import fs from 'node:fs';
import { invalidArgument } from '../../../errdefs';
import { command } from '../../command';
import { checkNewName } from '../../image-name';

export const imageImport = command({
  name: 'image import',
  aliases: [['import']],
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description: 'Import the contents from a tarball to create a filesystem image',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { long: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', valueName: 'string', help: 'Set commit message for imported image' },
    { long: 'platform', kind: 'string', valueName: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, [source, ref], flags) {
    if (ref) checkNewName(ref);
    if (/^https?:\/\//.test(source))
      throw invalidArgument(
        'importing from a URL is not supported: no registry or web server is reachable; download the file first',
      );
    let input: AsyncIterable<Buffer>;
    let sizeHint = 0;
    if (source === '-') input = ctx.stdin;
    else {
      try {
        sizeHint = fs.statSync(source).size;
      } catch {
        // docker's message for a missing file; any stat failure (EACCES too) is told as missing
        throw invalidArgument(`open ${source}: no such file or directory`);
      }
      input = fs.createReadStream(source, { highWaterMark: 1 << 20 });
    }
    const id = await ctx.images.importTarball(input, {
      ref,
      changes: flags.change,
      message: flags.message,
      // the docker CLI sends a local file as the request body, so Docker records "-"
      sourceName: '-',
      sizeHint,
    });
    ctx.out(`${id}\n`);
  },
});
