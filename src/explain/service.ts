// `image explain`'s service: an image of the store (its layers' tar-splits) or
// of an archive (its layer members' headers) analysed, with what it shares with
// the other images of the store.
import { hex, shortId, type Digest } from '../digest';
import { notFound } from '../errdefs';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import type { ImageConfig } from '../oci/types';
import { familiarString, fullString, parseNormalized, withDefaultTag } from '../reference';
import { NO_PROGRESS, type Progress } from '../util/progress';
import { analyze, type Analysis } from './analyze';
import { readArchiveImages, type ArchiveImage } from './archive';
import { entriesOfTarSplit } from './entries';
import { layerTree } from './overlay';
import { layerUsers, sharedSizes, type ImageLayers } from '../image/sharing';
import type { ExplainReport, LayerEntry, LayerInput } from './types';

/** The history rows that made layers, in layer order (rows of metadata-only steps made none). */
function layerHistory(
  config: ImageConfig,
  count: number,
): Array<{ createdBy: string; created?: string; comment?: string }> {
  const rows = (config.history ?? []).filter((h) => !h.empty_layer);
  return Array.from({ length: count }, (_, i) => ({
    createdBy: rows[i]?.created_by ?? '',
    created: rows[i]?.created,
    comment: rows[i]?.comment,
  }));
}

function inputs(config: ImageConfig, diffIds: Digest[], chains: Digest[], entries: LayerEntry[][]): LayerInput[] {
  const history = layerHistory(config, entries.length);
  return entries.map((e, i) => ({ diffId: diffIds[i], chainId: chains[i], entries: e, ...history[i] }));
}

export class ExplainService {
  constructor(
    private readonly store: Store,
    private readonly images: ImageService,
  ) {}

  /**
   * The images Docker 20.10's disk usage counts layer references over: those
   * `images` lists without -a (intermediate images of builds are left out),
   * with their layers' sizes as the store records them.
   */
  /** The images `images` lists (as `system df` counts them; engine/disk-usage.ts shares over the same). */
  storeImages(): ImageLayers[] {
    return this.store.images
      .list()
      .filter((r) => this.store.images.refsOf(r.id).length > 0 || this.store.images.children(r.id).length === 0)
      .map((r) => ({
        id: r.id,
        layers: this.store.layers.stack(r.topLayer).map((l) => ({ chainId: l.chainId, size: l.size })),
      }));
  }

  private nameOf(id: Digest): string {
    return this.images.repoTags(id)[0] ?? shortId(id);
  }

  /** Fills in what the image shares with `others` (which may list the image itself; it is left out). */
  private withSharing(
    a: Analysis,
    image: ExplainReport['image'],
    own: ImageLayers,
    others: ImageLayers[],
    names: (id: Digest) => string,
  ): ExplainReport {
    const all = [own, ...others.filter((o) => o.id !== own.id)];
    const users = layerUsers(all);
    const layers = a.layers.map((l) => ({
      ...l,
      sharedWith: (users.get(l.chainId) ?? []).filter((u) => u !== own.id).map(names),
    }));
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- sharedSizes covers every image in all, this one among them
    const s = sharedSizes(all).get(own.id)!;
    return { image, ...a, layers, sharedBytes: s.shared, uniqueBytes: s.unique };
  }

  async explainImage(ref: string): Promise<ExplainReport> {
    const img = this.images.resolve(ref);
    const stack = this.store.layers.stack(img.record.topLayer);
    const entries: LayerEntry[][] = [];
    for (const l of stack) entries.push(entriesOfTarSplit(this.store.layers.tarSplit(l.chainId)));
    const a = analyze(
      inputs(
        img.config,
        stack.map((l) => l.diffId),
        stack.map((l) => l.chainId),
        entries,
      ),
    );
    const own = { id: img.record.id, layers: stack.map((l) => ({ chainId: l.chainId, size: l.size })) };
    return this.withSharing(
      a,
      { id: img.record.id, tags: this.images.repoTags(img.record.id), source: 'store' },
      own,
      this.storeImages(),
      (id) => this.nameOf(id),
    );
  }

  /** An image of an archive file: `ref` picks one when the archive holds several. */
  async explainArchive(
    file: string,
    ref: string | undefined,
    progress: Progress = NO_PROGRESS,
  ): Promise<ExplainReport> {
    const all = await readArchiveImages(file, progress);
    const pick = pickImage(all, ref, file);
    const a = analyze(inputs(pick.plan.parsed, pick.diffIds, pick.chainIds, pick.layers));
    const layersOf = (x: ArchiveImage): ImageLayers => ({
      id: x.id,
      layers: x.chainIds.map((c, i) => ({ chainId: c, size: x === pick ? a.layers[i].size : sizeOf(x.layers[i]) })),
    });
    const tags = (x: ArchiveImage) => x.plan.tags.map(familiarString);
    const names = (id: Digest) => {
      const x = all.find((i) => i.id === id);
      return x ? (tags(x)[0] ?? shortId(id)) : this.nameOf(id);
    };
    const others = [...this.storeImages(), ...all.filter((x) => x !== pick).map(layersOf)];
    return this.withSharing(
      a,
      { id: pick.id, tags: tags(pick), source: 'archive', archive: file },
      layersOf(pick),
      dedupe(others),
      names,
    );
  }
}

const sizeOf = (entries: LayerEntry[]): number => layerTree(entries, 0).size;

function dedupe(images: ImageLayers[]): ImageLayers[] {
  const seen = new Set<Digest>();
  return images.filter((i) => !seen.has(i.id) && seen.add(i.id));
}

function pickImage(all: ArchiveImage[], ref: string | undefined, file: string): ArchiveImage {
  if (ref === undefined) {
    if (all.length === 1) return all[0];
    const names = all.map((x) => x.plan.tags.map(familiarString)[0] ?? shortId(x.id));
    throw notFound(`${file} holds ${all.length} images (${names.join(', ')}): name the one to explain`);
  }
  const idPrefix = /^(sha256:)?([a-f0-9]{1,64})$/.exec(ref)?.[2];
  let wanted: string | undefined;
  try {
    wanted = fullString(withDefaultTag(parseNormalized(ref)));
  } catch {
    wanted = undefined; // not a reference: an ID prefix, or nothing
  }
  const byTag = all.find((x) => x.plan.tags.some((t) => fullString(t) === wanted));
  if (byTag) return byTag;
  const byId = idPrefix ? all.filter((x) => hex(x.id).startsWith(idPrefix)) : [];
  if (byId.length === 1) return byId[0];
  throw notFound(`No such image in ${file}: ${ref}`);
}
