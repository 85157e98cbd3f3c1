// Image operations behind `images`, `tag`, `rmi`, `import`, `inspect`, `history`
// and `image prune`, with Docker's rules for lookups and conflicts.
import { hex, isHex64, shortId, type Digest } from '../digest';
import { conflict, invalidArgument, isNotFound, StowageError } from '../errdefs';
import { applyChanges } from '../image/changes';
import { hostArch, marshalImageConfig, nowGoTime } from '../image/config-json';
import type { Image } from '../image/store';
import type { ImageConfig } from '../oci/types';
import {
  familiarString,
  fullString,
  parseNormalized,
  parseTagTarget,
  withDefaultTag,
  type Reference,
} from '../reference';
import type { EventService } from './events';
import { boolFilter, labelMatches, untilTime, type Filters } from './filters';
import type { ImageStorage } from './storage';

export interface ContainerUse {
  id: string;
  running: boolean;
}

/** Who uses an image: answered by the container service, faked in tests. */
export type ImageUsers = (imageId: Digest) => ContainerUse[];

export const IMAGE_PRUNE_FILTERS = ['dangling', 'until', 'label', 'label!'];

export class NoSuchImageError extends StowageError {
  constructor(what: string) {
    super('not-found', `No such image: ${what}`);
  }
}

export interface DeleteRecord {
  untagged?: string;
  deleted?: string;
}

export class ImageService {
  constructor(
    private readonly store: ImageStorage,
    private readonly users: ImageUsers = () => [],
    readonly events?: EventService,
  ) {}

  /** Records an image event (Docker's: the actor is the image ID or the reference pulled/pushed). */
  emit(id: string, name: string, action: string): void {
    if (!this.events) return;
    let labels: Record<string, string> | null | undefined;
    try {
      labels = /^sha256:/.test(id) ? this.store.images.load(id as Digest).config.config?.Labels : undefined;
    } catch {
      labels = undefined; // deleted already
    }
    this.events.image(id, name, action, labels);
  }

  /** Finds an image by name, tag, digest, full ID or unique ID prefix (Docker's GetImage). */
  resolve(refOrId: string): Image {
    return this.store.images.load(this.resolveId(refOrId));
  }

  resolveId(refOrId: string): Digest {
    const images = this.store.images;
    const idForm = isHex64(refOrId) ? `sha256:${refOrId}` : /^sha256:/.test(refOrId) ? refOrId : undefined;
    if (idForm) {
      if (images.get(idForm as Digest)) return idForm as Digest;
      const m = /^sha256:([a-f0-9]+)$/.exec(idForm);
      const found = m ? images.byPrefix(m[1]) : [];
      if (found.length === 1) return found[0];
      throw new NoSuchImageError(refOrId);
    }
    const named = withDefaultTag(parseNormalized(refOrId));
    const byRef = images.resolveRef(fullString(named));
    if (byRef && images.get(byRef)) return byRef;
    if (/^[a-f0-9]+$/.test(refOrId)) {
      const found = images.byPrefix(refOrId);
      if (found.length === 1) return found[0];
    }
    throw new NoSuchImageError(familiarString(named));
  }

  /** The image's local parent (commit, build), if it has one. */
  parentOf(id: Digest): Digest | null {
    return this.store.images.get(id)?.parent ?? null;
  }

  /** Familiar repo:tag names of an image, sorted. */
  repoTags(id: Digest): string[] {
    return familiarRefs(this.store.images.refsOf(id)).tags;
  }

  repoDigests(id: Digest): string[] {
    return familiarRefs(this.store.images.refsOf(id)).digests;
  }

  /** Every image's familiar tags and digests, sorted: one query for a whole listing. */
  refsByImage(): Map<Digest, { tags: string[]; digests: string[] }> {
    const byImage = new Map<Digest, Array<{ name: string; isDigest: boolean }>>();
    for (const r of this.store.images.allRefs().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const refs = byImage.get(r.imageId);
      if (refs) refs.push(r);
      else byImage.set(r.imageId, [r]);
    }
    return new Map([...byImage].map(([id, refs]) => [id, familiarRefs(refs)]));
  }

  /** `docker import`: one layer from a tarball, a config from --change. */
  async importTarball(
    src: AsyncIterable<Buffer>,
    opts: { ref?: string; changes?: string[]; message?: string; sourceName: string; sizeHint?: number },
  ): Promise<Digest> {
    const target = opts.ref ? parseTagTarget(opts.ref) : undefined;
    const cfg = applyChanges({}, opts.changes ?? []);
    const { stream } = await (require('../tar/decompress') as typeof import('../tar/decompress')).autoDecompress(src); // eslint-disable-line @typescript-eslint/no-require-imports -- only import needs it
    try {
      const layer = await this.store.layers.register(stream, null, { sizeHint: opts.sizeHint });
      const created = nowGoTime();
      const comment = opts.message || `Imported from ${opts.sourceName}`;
      const config: ImageConfig = {
        architecture: hostArch(),
        os: 'linux',
        created,
        comment,
        config: cfg,
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created, comment }],
      };
      const id = this.commitImage(marshalImageConfig(config), {
        topLayer: layer.chainId,
        tags: target ? [target] : [],
      });
      this.emit(id, id, 'import');
      return id;
    } finally {
      this.store.layers.releaseLeases();
    }
  }

  /**
   * Records an image whose layers are registered: stores the config, inserts the
   * image and moves tags, in one transaction. Returns the image ID. `onRetag`
   * hears of tags taken from another image.
   */
  commitImage(
    raw: Buffer,
    opts: {
      topLayer: Digest | null;
      parent?: Digest | null;
      tags?: Reference[];
      digests?: string[];
      onRetag?: (ref: Reference, oldId: Digest) => void;
    },
  ): Digest {
    const id = this.store.blobs.put(raw);
    const size = this.store.layers.stack(opts.topLayer).reduce((n, l) => n + l.size, 0);
    this.store.writeTx(() => {
      this.store.images.add({ id, topLayer: opts.topLayer, parent: opts.parent ?? null, size, addedAt: Date.now() });
      for (const t of opts.tags ?? []) {
        const old = this.store.images.setRef(fullString(t), id);
        if (old && opts.onRetag) opts.onRetag(t, old);
      }
      for (const d of opts.digests ?? []) this.store.images.setRef(d, id, true);
      this.store.layers.releaseLeases();
    });
    return id;
  }

  tag(source: string, target: string): void {
    const id = this.resolveId(source);
    const ref = parseTagTarget(target);
    this.store.writeTx(() => this.store.images.setRef(fullString(ref), id));
    this.emit(id, familiarString(ref), 'tag');
  }

  /** `docker rmi`: untags or deletes, following moby's image_delete.go rules. */
  remove(refOrId: string, opts: { force?: boolean; noPrune?: boolean } = {}): DeleteRecord[] {
    const records: DeleteRecord[] = [];
    const id = this.tryResolve(refOrId);
    const deleted = this.store.writeTx(() => this.removeTx(refOrId, !!opts.force, !opts.noPrune, records));
    // Docker's events: "untag" for each reference removed, "delete" for each image
    for (const r of records) {
      if (r.untagged) this.events?.image(id ?? r.untagged, id ?? r.untagged, 'untag');
      if (r.deleted) this.events?.image(r.deleted, r.deleted, 'delete');
    }
    if (deleted.length) {
      for (const id of deleted) this.store.blobs.delete(id);
      for (const c of this.store.gc()) records.push({ deleted: c });
    }
    return records;
  }

  private tryResolve(refOrId: string): string | undefined {
    try {
      return this.resolveId(refOrId);
    } catch {
      // the id only labels the events; removeTx itself reports a reference that does not resolve
      return undefined;
    }
  }

  private removeTx(refOrId: string, force: boolean, prune: boolean, records: DeleteRecord[]): Digest[] {
    const images = this.store.images;
    const id = this.resolveId(refOrId);
    let refs = images.refsOf(id);
    const byId = isIdReference(refOrId, id);
    if (!byId) {
      const named = withDefaultTag(parseNormalized(refOrId));
      const users = this.users(id);
      if (!force && isSingleReference(refs) && users.length > 0) {
        throw conflict(
          `conflict: unable to remove repository reference "${refOrId}" (must force) - container ${shortId(users[0].id)} is using its referenced image ${shortId(id)}`,
        );
      }
      images.deleteRef(fullString(named));
      records.push({ untagged: familiarString(named) });
      refs = images.refsOf(id);
      // A removed tag takes the digest references of the same repository with it
      // when no other tag of that repository remains.
      if (!named.digest) {
        const repo = fullString({ ...named, tag: undefined });
        const sameRepoTag = refs.some((r) => !r.isDigest && repoOf(r.name) === repo);
        if (!sameRepoTag) {
          for (const r of refs.filter((r) => r.isDigest && repoOf(r.name) === repo)) {
            images.deleteRef(r.name);
            records.push({ untagged: familiarString(parseNormalized(r.name)) });
          }
          refs = images.refsOf(id);
        }
      }
      if (refs.length > 0) return [];
      return this.deleteHelper(id, force, prune, true, records);
    }
    if (isSingleReference(refs)) {
      this.checkConflict(id, force ? HARD : HARD | STOPPED);
      for (const r of refs) {
        images.deleteRef(r.name);
        records.push({ untagged: familiarString(parseNormalized(r.name)) });
      }
    }
    return this.deleteHelper(id, force, prune, false, records);
  }

  private deleteHelper(id: Digest, force: boolean, prune: boolean, quiet: boolean, records: DeleteRecord[]): Digest[] {
    const images = this.store.images;
    try {
      this.checkConflict(id, force ? HARD : HARD | SOFT);
    } catch (e) {
      if (quiet && (!this.isDangling(id) || (e as ConflictError).used)) return [];
      throw e;
    }
    const parent = images.get(id)?.parent;
    for (const r of images.refsOf(id)) {
      images.deleteRef(r.name);
      records.push({ untagged: familiarString(parseNormalized(r.name)) });
    }
    images.delete(id);
    records.push({ deleted: id });
    const out = [id];
    if (prune && parent && images.get(parent)) out.push(...this.deleteHelper(parent, false, true, true, records));
    return out;
  }

  private isDangling(id: Digest): boolean {
    return this.store.images.refsOf(id).length === 0 && this.store.images.children(id).length === 0;
  }

  private checkConflict(id: Digest, mask: number): void {
    const images = this.store.images;
    const fail = (hard: boolean, used: boolean, msg: string) => {
      throw new ConflictError(
        `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${msg}`,
        used,
      );
    };
    if (mask & CHILD && images.children(id).length > 0) fail(true, false, 'image has dependent child images');
    const users = this.users(id);
    const running = users.find((u) => u.running);
    if (mask & RUNNING && running) fail(true, true, `image is being used by running container ${shortId(running.id)}`);
    if (mask & ACTIVE_REF && images.refsOf(id).length > 0)
      fail(false, false, 'image is referenced in multiple repositories');
    const stopped = users.find((u) => !u.running);
    if (mask & STOPPED && stopped) fail(false, true, `image is being used by stopped container ${shortId(stopped.id)}`);
  }

  /** Images that `image prune` removes: dangling ones, or with `all` every unused one. */
  prune(opts: { all?: boolean; filters?: Filters } = {}): { records: DeleteRecord[]; reclaimed: number } {
    const f = opts.filters ?? new Map<string, string[]>();
    for (const k of f.keys()) if (!IMAGE_PRUNE_FILTERS.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
    const all = opts.all || boolFilter(f.get('dangling'), 'dangling') === false;
    const until = f.get('until')?.map((u) => untilTime(u));
    const records: DeleteRecord[] = [];
    const before = this.diskUsage();
    for (const img of this.store.images.list()) {
      if (!this.store.images.get(img.id)) continue;
      const refs = this.store.images.refsOf(img.id);
      if (this.users(img.id).length > 0) continue;
      if (!all && (refs.length > 0 || this.store.images.children(img.id).length > 0)) continue;
      if (f.has('label') || f.has('label!') || until) {
        const config = this.store.images.load(img.id).config;
        const labels = config.config?.Labels;
        if (!labelMatches(f.get('label'), labels) || (f.get('label!') ?? []).some((l) => labelMatches([l], labels)))
          continue;
        if (until && until.some((t) => Date.parse(config.created ?? '0') >= t)) continue;
      }
      try {
        records.push(...this.remove(img.id.slice(7), { force: all }));
      } catch (e) {
        if (!(e instanceof ConflictError) && !isNotFound(e)) throw e;
      }
    }
    return { records, reclaimed: Math.max(0, before - this.diskUsage()) };
  }

  /** Bytes of all stored layers (each counted once). */
  diskUsage(): number {
    return this.store.layers.totalSize();
  }
}

const CHILD = 1;
const RUNNING = 2;
const ACTIVE_REF = 4;
const STOPPED = 8;
const HARD = CHILD | RUNNING;
const SOFT = ACTIVE_REF | STOPPED;

class ConflictError extends StowageError {
  constructor(
    message: string,
    readonly used: boolean,
  ) {
    super('conflict', message);
  }
}

function repoOf(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** True when the user named the image by (a prefix of) its ID rather than a reference. */
function isIdReference(refOrId: string, id: Digest): boolean {
  const s = refOrId.startsWith('sha256:') ? refOrId.slice(7) : refOrId;
  return /^[a-f0-9]+$/.test(s) && hex(id).startsWith(s);
}

/** moby's isSingleReference: one tag, possibly with digests of the same repository. */
function isSingleReference(refs: Array<{ name: string; isDigest: boolean }>): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: string | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.isDigest) canonical.add(repoOf(r.name));
    else if (single === undefined) single = r.name;
    else return false;
  }
  single ??= refs[0].name;
  return canonical.size === 1 && canonical.has(repoOf(single));
}

function familiarRefs(refs: Array<{ name: string; isDigest: boolean }>): { tags: string[]; digests: string[] } {
  const out = { tags: [] as string[], digests: [] as string[] };
  for (const r of refs) (r.isDigest ? out.digests : out.tags).push(familiarString(parseNormalized(r.name)));
  return out;
}
