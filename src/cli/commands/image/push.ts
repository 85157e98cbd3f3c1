// `push` (`image push`), with Docker's progress lines.
import { invalidArgument } from '../../../errdefs';
import { NoSuchImageError } from '../../../engine/images';
import { familiarName, familiarString, fullString, parseNormalized, type Reference } from '../../../reference';
import { pushImage, pushRegistry } from '../../../registry';
import { QUIET_FLAG, type Command } from '../../command';
import { display, inStream } from '../../registry-report';

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
