// `pull` and `push` (`image pull|push`), with Docker's lines: a status line per
// layer when piped, a line per layer with its progress bar on a terminal.
import type { Digest } from '../../../digest';
import { invalidArgument, StowageError } from '../../../errdefs';
import { NoSuchImageError } from '../../../engine/images';
import {
  familiarName,
  familiarString,
  fullString,
  parseNormalized,
  repoName,
  type Reference,
} from '../../../reference';
import { parsePlatform, pullAllTags, pullImage, pushImage, pushRegistry, type OnProgress } from '../../../registry';
import { JsonMessageDisplay } from '../../output/json-messages';
import { QUIET_FLAG, type Command } from '../../command';
import type { Ctx } from '../../context';

const PLATFORM_FLAG = {
  long: 'platform',
  kind: 'string' as const,
  valueName: 'string',
  help: 'Set platform if server is multi-platform capable',
};

function display(out: NodeJS.WritableStream, quiet: boolean): OnProgress & { started: boolean } {
  const d = quiet ? undefined : new JsonMessageDisplay(out, !!(out as NodeJS.WriteStream).isTTY);
  const show = Object.assign(
    (m: Parameters<OnProgress>[0]) => {
      show.started = true;
      d?.write(m);
    },
    { started: false },
  );
  return show;
}

/**
 * An error once the engine's messages have begun: the docker CLI prints those
 * as they come in the stream, without "Error response from daemon:" (here "Error:").
 */
function inStream<T>(show: { started: boolean }, work: () => Promise<T>): Promise<T> {
  return work().catch((e: unknown) => {
    if (show.started && e instanceof StowageError && !e.bare)
      throw new StowageError(e.kind, e.message, { bare: true, cause: e });
    throw e;
  });
}

export interface PullReportOptions {
  quiet?: boolean;
  out?: NodeJS.WritableStream;
  /** print the pulled reference at the end, as `docker pull` does */
  printName?: boolean;
  platform?: string;
  allTags?: boolean;
}

/** Pulls `name` and prints what Docker prints; returns the image ID (run and build use it too). */
export async function pullAndReport(ctx: Ctx, name: string, opts: PullReportOptions = {}): Promise<Digest> {
  const out = opts.out ?? ctx.stdout;
  const named = parseNormalized(name);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const show = display(out, !!opts.quiet);
  if (opts.allTags) {
    if (named.tag || named.digest) throw invalidArgument("tag can't be used with --all-tags/-a");
    const r = await inStream(show, () => pullAllTags(ctx.store, ctx.images, named, { platform, onProgress: show }));
    show({
      status: `Status: ${r.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarName(named)}`,
    });
    if (opts.printName) ctx.out(`${repoName(named)}\n`);
    return r.images[r.images.length - 1]?.id as Digest;
  }
  if (!named.tag && !named.digest && !opts.quiet) out.write('Using default tag: latest\n');
  const r = await inStream(show, () => pullImage(ctx.store, ctx.images, named, { platform, onProgress: show }));
  show({
    status: `Status: ${r.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(r.ref)}`,
  });
  if (opts.printName) ctx.out(`${fullString(r.ref)}\n`);
  return r.id;
}

export const imagePull: Command = {
  name: 'image pull',
  aliases: [['pull']],
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
    PLATFORM_FLAG,
    QUIET_FLAG('Suppress verbose output'),
  ],
  async run(ctx, [name], flags) {
    await pullAndReport(ctx, name, {
      quiet: flags.quiet as boolean,
      printName: true,
      platform: (flags.platform as string) || undefined,
      allTags: flags['all-tags'] as boolean,
    });
  },
};

export const imagePush: Command = {
  name: 'image push',
  aliases: [['push']],
  usage: '[OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Push all tags of an image to the repository' },
    QUIET_FLAG('Suppress verbose output'),
  ],
  async run(ctx, [name], flags) {
    const ref = parseNormalized(name);
    if (ref.digest) throw invalidArgument('cannot push a digest reference');
    const quiet = flags.quiet as boolean;
    let tags: string[];
    if (flags['all-tags']) {
      if (ref.tag) throw invalidArgument("tag can't be used with --all-tags/-a");
      tags = ctx.store.images
        .allRefs()
        .filter((r) => !r.isDigest && r.name.startsWith(`${ref.domain}/${ref.path}:`))
        .map((r) => r.name.slice(r.name.lastIndexOf(':') + 1))
        .sort();
      if (!tags.length) throw invalidArgument(`An image does not exist locally with the tag: ${familiarName(ref)}`);
    } else {
      if (!ref.tag && !quiet) ctx.out('Using default tag: latest\n');
      tags = [ref.tag ?? 'latest'];
    }
    const ids = tags.map((tag) => {
      try {
        return ctx.images.resolveId(fullString({ domain: ref.domain, path: ref.path, tag }));
      } catch (e) {
        if (e instanceof NoSuchImageError)
          throw invalidArgument(`An image does not exist locally with the tag: ${familiarName(ref)}`);
        throw e;
      }
    });
    const { registry } = pushRegistry(ref);
    await registry.connect();

    if (!quiet) ctx.out(`The push refers to repository [${ref.domain}/${ref.path}]\n`);
    const show = display(ctx.stdout, quiet);
    show.started = true; // (the line above is the stream's first)
    for (const [i, tag] of tags.entries()) {
      const tagged: Reference & { tag: string } = { domain: ref.domain, path: ref.path, tag };
      const r = await inStream(show, () => pushImage(ctx.store, ids[i], tagged, { onProgress: show, registry }));
      if (quiet) ctx.out(`${familiarString(tagged)}\n`);
      else show({ status: `${tag}: digest: ${r.digest} size: ${r.size}` });
    }
  },
};
