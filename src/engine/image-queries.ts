// The daemon half of `images` and `history`: which images and history rows a
// query returns, for the CLI and the Engine API alike.
import type { Digest } from '../digest';
import { familiarName, parseNormalized } from '../reference';
import { readTx } from '../metadata/db';
import type { Engine } from './engine';
import { boolFilter, globMatch, labelMatches } from './filters';

export interface ImageSummary {
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  created: number;
  size: number;
  labels: Record<string, string> | null;
  /** the image's local parent (commit, build), or '' */
  parent: string;
  /** containers using the image; -1 when not counted (Docker counts them only for `system df`) */
  containers: number;
}

export interface ListImagesOptions {
  all: boolean;
  filters: Map<string, string[]>;
  /** count each image's containers (`system df`); else `containers` is -1 */
  countContainers?: boolean;
}

/** The daemon half of `docker images`: which images, with which references. */
export function listImages(ctx: Engine, opts: ListImagesOptions): ImageSummary[] {
  return readTx(ctx.store.db, () => imagesListed(ctx, opts));
}

function imagesListed(ctx: Engine, opts: ListImagesOptions): ImageSummary[] {
  const { images } = ctx;
  const refs = images.refsByImage();
  const store = ctx.store.images;
  const dangling = boolFilter(opts.filters.get('dangling'), 'dangling');
  const refPatterns = opts.filters.get('reference');
  const before = opts.filters.get('before')?.map((r) => store.load(images.resolveId(r)));
  const since = opts.filters.get('since')?.map((r) => store.load(images.resolveId(r)));
  const out: ImageSummary[] = [];
  for (const rec of store.list()) {
    const img = store.withConfig(rec);
    const created = img.config.created ? Date.parse(img.config.created) : 0;
    if (before && before.some((b) => created >= Date.parse(b.config.created ?? '0'))) continue;
    if (since && since.some((s) => created <= Date.parse(s.config.created ?? '0'))) continue;
    if (!labelMatches(opts.filters.get('label'), img.config.config?.Labels)) continue;
    let { tags, digests } = refs.get(rec.id) ?? { tags: [], digests: [] };
    if (refPatterns) {
      const match = (r: string) =>
        refPatterns.some((p) => globMatch(p, r) || globMatch(p, familiarName(parseNormalized(r))));
      tags = tags.filter(match);
      digests = digests.filter(match);
    }
    if (tags.length === 0 && digests.length === 0) {
      if (refPatterns || dangling === false) continue;
      if (!opts.all && dangling !== true && store.children(rec.id).length > 0) continue;
      if (dangling === true && store.children(rec.id).length > 0) continue;
    } else if (dangling === true) continue;
    out.push({
      id: rec.id,
      repoTags: tags,
      repoDigests: digests,
      created,
      size: rec.size,
      labels: img.config.config?.Labels ?? null,
      parent: rec.parent ?? '',
      containers: opts.countContainers ? ctx.imageUserCount(rec.id) : -1,
    });
  }
  return out.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
}

export interface HistoryItem {
  id: string;
  created: number;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

/** Docker's ImageHistory: newest first, layer sizes for non-empty entries, IDs along Parent. */
export function imageHistory(ctx: Engine, ref: string): HistoryItem[] {
  const img = ctx.images.resolve(ref);
  const stack = ctx.store.layers.stack(img.record.topLayer);
  const items: HistoryItem[] = [];
  let layer = 0;
  for (const h of img.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      size = stack[layer]?.size ?? 0;
      layer++;
    }
    items.unshift({
      id: '<missing>',
      created: h.created ? Date.parse(h.created) : 0,
      createdBy: h.created_by ?? '',
      tags: [],
      size,
      comment: h.comment ?? '',
    });
  }
  let id: Digest | null = img.record.id;
  for (const item of items) {
    if (!id) break;
    item.id = id;
    item.tags = ctx.images.repoTags(id);
    id = ctx.store.images.get(id)?.parent ?? null;
    if (id && !ctx.store.images.get(id)) break;
  }
  return items;
}
