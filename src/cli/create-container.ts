// `run` and `create`: the container made from the flags, its image pulled when missing, --cidfile written.
import fs from 'node:fs';
import type { Container } from '../container/store';
import { createWarnings } from '../engine/container-create';
import { NoSuchImageError } from '../engine/images';
import { cliError } from '../errdefs';
import { familiarString, parseNormalized, withDefaultTag } from '../reference';
import type { Command } from './command';
import type { Ctx } from './context';
import { createOptions, volumeRequests } from './create-flags';

/** Creates the container; an image not in the store is pulled first, as Docker does (its lines on stderr). */
export async function createContainer(ctx: Ctx, args: string[], flags: Parameters<Command['run']>[2]) {
  const [image, ...cmd] = args;
  const opts = createOptions(flags, image, cmd, ctx.globals.runtime);
  const cidFile = opts.containerIdFile ? claimCidFile(opts.containerIdFile) : undefined;
  const create = () => ctx.containers.create(opts, volumeRequests(flags));
  try {
    let c: Container;
    try {
      c = await create();
    } catch (e) {
      if (!(e instanceof NoSuchImageError) || isIdLike(image)) throw e;
      ctx.err(`Unable to find image '${familiarString(withDefaultTag(parseNormalized(image)))}' locally\n`);
      // the registry client (and https, tls) is loaded only when an image is missing
      const { pullAndReport } = require('./registry-report') as typeof import('./registry-report'); // eslint-disable-line @typescript-eslint/no-require-imports
      await pullAndReport(ctx, image, { out: ctx.stderr, platform: (flags.platform as string) || undefined });
      c = await create();
    }
    for (const w of createWarnings(c.record.hostConfig)) ctx.err(`WARNING: ${w}\n`);
    if (cidFile) fs.writeFileSync(cidFile, c.record.id);
    return c;
  } catch (e) {
    if (cidFile) fs.rmSync(cidFile, { force: true });
    throw e;
  }
}

/** --cidfile: the docker CLI refuses a file that exists, and makes it before the create (removed should that fail). */
function claimCidFile(file: string): string {
  try {
    fs.writeFileSync(file, '', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw cliError(`container ID file found, make sure the other container isn't running or delete ${file}`);
    throw cliError(`failed to create the container ID file: ${(e as Error).message}`);
  }
  return file;
}

/** An image ID (full, short or sha256:-prefixed): never pulled. */
function isIdLike(image: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(image);
}
