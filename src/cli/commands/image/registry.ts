// `pull` and `push` (`image pull|push`), with Docker's lines: a status line per
// layer when piped, a progress bar per layer on a terminal.
import type { Digest } from '../../../digest';
import { invalidArgument } from '../../../errdefs';
import { hostArch } from '../../../image/config-json';
import { NoSuchImageError } from '../../../engine/images';
import { familiarName, familiarString, fullString, parseNormalized, withDefaultTag, type Reference } from '../../../reference';
import { pullImage, type PullEvents } from '../../../registry/pull';
import { pushImage } from '../../../registry/push';
import { RegistryClient } from '../../../registry/client';
import { TerminalProgress } from '../../output/progress';
import { QUIET_FLAG, type Command } from '../../command';
import type { Ctx } from '../../context';

/** Status lines when piped; on a terminal, one bar per layer that moves (`action` names what it does). */
function layerEvents(out: NodeJS.WritableStream, tty: boolean, action: string, quiet: boolean): PullEvents {
  if (quiet) return { status() {}, progress() {} };
  if (!tty) return { status: (id, text) => out.write(`${id}: ${text}\n`), progress() {} };
  const bars = new TerminalProgress(out);
  const started = new Set<string>();
  return {
    status(id, text) {
      if (['Already exists', 'Layer already exists'].includes(text)) out.write(`${id}: ${text}\n`);
      if (['Pull complete', 'Pushed'].includes(text) && started.has(id)) bars.finish(id);
    },
    progress(id, done, total) {
      if (!started.has(id)) {
        started.add(id);
        bars.start(id, action, total);
      }
      bars.update(id, done);
    },
  };
}

/** Pulls `name` and prints what Docker prints; returns the image ID (run and build use it too). */
export async function pullAndReport(ctx: Ctx, name: string, opts: { quiet?: boolean; out?: NodeJS.WritableStream; printName?: boolean } = {}): Promise<Digest> {
  const out = opts.out ?? ctx.stdout;
  const named = parseNormalized(name);
  if (!named.tag && !named.digest && !opts.quiet) out.write('Using default tag: latest\n');
  const ref = withDefaultTag(named);
  if (!opts.quiet) out.write(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}\n`);
  await new RegistryClient(ref.domain).ping();
  const r = await pullImage(ctx.store, ctx.images, ref, layerEvents(out, !!(out as NodeJS.WriteStream).isTTY, 'Downloading', !!opts.quiet));
  if (!opts.quiet) {
    out.write(`Digest: ${r.digest}\n`);
    out.write(`Status: ${r.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(ref)}\n`);
  }
  if (opts.printName) ctx.out(`${fullString(ref)}\n`);
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
    QUIET_FLAG('Suppress verbose output'),
    { long: 'platform', kind: 'string', valueName: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, [name], flags) {
    const platform = flags.platform as string;
    if (platform && platform !== `linux/${hostArch()}`) throw invalidArgument(`stowage pulls images for this machine only (linux/${hostArch()}), not ${platform}`);
    await pullAndReport(ctx, name, { quiet: flags.quiet as boolean, printName: true });
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
      if (ref.tag) throw invalidArgument('tag can\'t be used with --all-tags/-a');
      tags = ctx.store.images.allRefs().filter((r) => !r.isDigest && r.name.startsWith(`${ref.domain}/${ref.path}:`)).map((r) => r.name.slice(r.name.lastIndexOf(':') + 1)).sort();
      if (!tags.length) throw invalidArgument(`An image does not exist locally with the tag: ${familiarName(ref)}`);
    } else {
      if (!ref.tag && !quiet) ctx.out('Using default tag: latest\n');
      tags = [ref.tag ?? 'latest'];
    }
    if (!quiet) ctx.out(`The push refers to repository [${ref.domain}/${ref.path}]\n`);
    await new RegistryClient(ref.domain).ping();
    for (const tag of tags) {
      const tagged: Reference & { tag: string } = { domain: ref.domain, path: ref.path, tag };
      let id;
      try {
        id = ctx.images.resolveId(fullString(tagged));
      } catch (e) {
        if (e instanceof NoSuchImageError) throw invalidArgument(`An image does not exist locally with the tag: ${familiarName(ref)}`);
        throw e;
      }
      const r = await pushImage(ctx.store, id, tagged, layerEvents(ctx.stdout, !!ctx.stdout.isTTY, 'Pushing', quiet));
      if (quiet) ctx.out(`${familiarString(tagged)}\n`);
      else ctx.out(`${tag}: digest: ${r.digest} size: ${r.size}\n`);
    }
  },
};
