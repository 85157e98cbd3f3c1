// `images` / `image ls`: one row per repository tag, as the docker CLI prints them.
import { hex } from '../../../digest';
import { familiarName, parseNormalized } from '../../../reference';
import { command } from '../../command';
import { FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG } from '../../command';
import { listImages, type ImageSummary } from '../../../engine/image-queries';
import { parseFilters } from '../../../engine/filters';
import { formatRows } from '../../output/table';
import { ago, goTimeString, humanSize, humanSizeWithPrecision } from '../../../util/units';

interface Row {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  VirtualSize: string;
  SharedSize: string;
  UniqueSize: string;
  Containers: string;
}

function rowsFor(img: ImageSummary, trunc: boolean, showDigests: boolean): Row[] {
  const base = {
    ID: trunc ? hex(img.id).slice(0, 12) : img.id,
    CreatedSince: ago(img.created),
    CreatedAt: goTimeString(new Date(img.created)),
    Size: humanSizeWithPrecision(img.size, 3),
    VirtualSize: humanSize(img.size), // the docker CLI gives this one 4 digits
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    Containers: 'N/A',
  };
  const rows: Row[] = [];
  const add = (Repository: string, Tag: string, Digest: string) => rows.push({ ...base, Repository, Tag, Digest });
  if (img.repoTags.length === 0 && img.repoDigests.length === 0) {
    add('<none>', '<none>', '<none>');
    return rows;
  }
  const byRepo = new Map<string, { tags: string[]; digests: string[] }>();
  const entry = (r: string) => {
    let e = byRepo.get(r);
    if (!e) byRepo.set(r, (e = { tags: [], digests: [] }));
    return e;
  };
  for (const t of img.repoTags) {
    const ref = parseNormalized(t);
    const e = entry(familiarName(ref));
    if (ref.tag !== undefined) e.tags.push(ref.tag); // always: a repo tag has one
  }
  for (const d of img.repoDigests) {
    const ref = parseNormalized(d);
    const e = entry(familiarName(ref));
    if (ref.digest !== undefined) e.digests.push(ref.digest); // always: a repo digest has one
  }
  for (const [repo, { tags, digests }] of byRepo) {
    if (tags.length === 0) {
      if (showDigests) for (const d of digests) add(repo, '<none>', d);
      else add(repo, '<none>', '');
      continue;
    }
    for (const tag of tags) {
      if (!showDigests || digests.length === 0) add(repo, tag, '<none>');
      else for (const d of digests) add(repo, tag, d);
    }
  }
  return rows;
}

export const imageList = command({
  name: 'image ls',
  aliases: [['image', 'list'], ['images']],
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  maxArgs: 1,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides intermediate images)' },
    { long: 'digests', kind: 'bool', help: 'Show digests' },
    FILTER_FLAG,
    FORMAT_FLAG,
    NO_TRUNC_FLAG,
    QUIET_FLAG('Only show image IDs'),
  ],
  run(ctx, args, flags) {
    const filters = parseFilters(flags.filter, ['dangling', 'label', 'before', 'since', 'reference']);
    if (args[0]) filters.set('reference', [...(filters.get('reference') ?? []), args[0]]);
    const images = listImages(ctx, { all: flags.all, filters });
    const trunc = !flags['no-trunc'];
    const rows = images.flatMap((i) => rowsFor(i, trunc, flags.digests));
    let format = flags.format;
    if (flags.quiet) format = '{{.ID}}';
    const defaultFormat = flags.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.out(
      formatRows(format, rows, {
        defaultFormat,
        headers: {
          ID: 'IMAGE ID',
          Repository: 'REPOSITORY',
          Tag: 'TAG',
          Digest: 'DIGEST',
          CreatedSince: 'CREATED',
          CreatedAt: 'CREATED AT',
          Size: 'SIZE',
          VirtualSize: 'SIZE',
          SharedSize: 'SHARED SIZE',
          UniqueSize: 'UNIQUE SIZE',
          Containers: 'CONTAINERS',
        },
      }),
    );
  },
});
