// `pull`: a manifest (or the entry of an index for the platform asked for),
// its config and its layers, from the first of a reference's sources that has
// it (mirrors, then its registry). Layers download three at a time, as
// Docker's; each is unpacked while it streams, into a private directory, its
// bytes hashed and counted on the way, and adopted in order once its digest,
// size and diff ID are right. Layers the store has are not fetched. The image
// appears in one transaction, with its tag and its repo digest, or not at all.
import { decompressStream, detectCompression, peek } from '../tar/decompress';
import { chainIds, sha256, type Digest } from '../digest';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import { invalidArgument, StowageError } from '../errdefs';
import type { UnpackedLayer } from '../layer/store';
import type { Descriptor, ImageConfig, Index, Manifest } from '../oci/types';
import { familiarName, familiarString, fullString, repoName, withDefaultTag, type Reference } from '../reference';
import { recordBlob, recordBlobSource } from './blobs';
import { Registry, type Repository } from './client';
import type { AuthConfig } from './credentials';
import type { RegistryHosts } from './hosts';
import { LIMITS } from './http';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, type Platform } from './platform';
import { NO_PROGRESS, Slots, throttled, type OnProgress } from './progress';
import { pullSources, type Source, type SourceConfig } from './sources';
import { verifiedStream } from './verify';

const INDEX_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];
const LAYER_TYPES = [
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
];
/** Docker's max-concurrent-downloads default. */
const CONCURRENT_DOWNLOADS = 3;

export interface PullOptions {
  /** credentials for the reference's registry (the Engine API's; {} for none); when absent, config.json's */
  auth?: AuthConfig;
  /** os/arch[/variant] to pick from an index (default: this machine's) */
  platform?: Platform | string;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /** registries.conf and daemon.json settings to use instead of the files' */
  sources?: SourceConfig;
  hosts?: RegistryHosts;
}

export interface PullResult {
  id: Digest;
  /** the digest the reference resolved to (an index's, when it named one) */
  digest: Digest;
  /** the tag already named this image */
  upToDate: boolean;
  /** what was pulled: the reference with its default tag */
  ref: Reference;
}

const bad = (msg: string) => invalidArgument(msg);

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the JSON they expect; the value is checked where it is used
function parse<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    // any parse failure means the same thing: the document is not JSON
    throw bad(`${what} is not valid JSON`);
  }
}

/** One source of a pull: its registry client, made when first needed. */
class SourceRepo {
  private repo?: Repository;
  constructor(
    readonly source: Source,
    private readonly opts: PullOptions,
    private readonly origin: Reference,
  ) {}

  get(): Repository {
    const s = this.source;
    // credentials given for the reference go to its own registry only, never to a mirror
    const auth = s.domain === this.origin.domain ? this.opts.auth : undefined;
    this.repo ??= new Registry(s.domain, {
      auth,
      insecure: s.insecure,
      plainHttp: s.plainHttp,
      hosts: this.opts.hosts,
      signal: this.opts.signal,
    }).repository(s.path);
    return this.repo;
  }
}

interface Resolved {
  /** the sources from the one that had the manifest on, for blobs */
  repos: SourceRepo[];
  manifest: Manifest;
  /** the digest the reference names (the index's, for an index) */
  digest: Digest;
}

/** Fetches a manifest and parses it; the digest is checked when the reference pins one. */
async function getManifest(repo: Repository, reference: string, pinned: Digest | undefined, ref: Reference) {
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  const m = await repo.manifest(reference, (res) =>
    repo.registry.fail(res, (code) =>
      code === 'DENIED' || code === 'UNAUTHORIZED' || res.status === 401 || res.status === 403
        ? `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'stowage login'`
        : res.status !== 404
          ? `pull ${fullString(ref)}`
          : code === 'NAME_UNKNOWN'
            ? `repository ${familiarName(ref)} not found`
            : `manifest for ${familiarName(ref)}:${wanted} not found`,
    ),
  );
  const digest = sha256(m.bytes);
  if (pinned && digest !== pinned)
    throw bad(`manifest ${reference} does not match its digest ${pinned}: content hashes to ${digest}`);
  const doc = parse<Manifest & Index>(m.bytes, 'the manifest');
  if (
    (doc.schemaVersion as number) === 1 ||
    /^application\/vnd\.docker\.distribution\.manifest\.v1\+/.test(m.mediaType)
  )
    throw bad(`${familiarString(ref)} uses the deprecated image format v2 schema 1, which stowage does not pull`);
  return { doc, digest, mediaType: doc.mediaType ?? m.mediaType };
}

/** The manifest for `platform`, from the first source that answers; every error falls through to the next source. */
async function resolve(ref: Reference, repos: SourceRepo[], platform: Platform): Promise<Resolved> {
  let lastError: unknown;
  for (let i = 0; i < repos.length; i++) {
    try {
      const repo = repos[i].get();
      const first = await getManifest(repo, ref.digest ?? ref.tag ?? 'latest', ref.digest as Digest | undefined, ref);
      let doc = first.doc;
      if (INDEX_TYPES.includes(first.mediaType) || Array.isArray(doc.manifests)) {
        const entry = (doc as Index).manifests.find((d) => platformMatches(platform, d.platform));
        if (!entry) throw bad(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
        doc = (await getManifest(repo, entry.digest, entry.digest, ref)).doc;
      }
      const manifest = doc as Manifest;
      if (!manifest.config?.digest || !Array.isArray(manifest.layers))
        throw bad('the manifest has no config or no layers');
      return { repos: repos.slice(i), manifest, digest: first.digest };
    } catch (e) {
      lastError = e;
      if ((e as { name?: string }).name === 'AbortError') throw e;
    }
  }
  throw lastError;
}

/** A blob from the first source that serves it. */
async function openBlob(repos: SourceRepo[], digest: string) {
  let lastError: unknown;
  for (const r of repos) {
    try {
      return await r.get().blob(digest);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

function checkLayers(layers: Descriptor[]): void {
  for (const l of layers) {
    if (!LAYER_TYPES.includes(l.mediaType))
      throw bad(`layer ${l.digest} has a media type stowage does not pull: ${l.mediaType}`);
    if (!/^sha256:[0-9a-f]{64}$/.test(l.digest))
      throw bad(`layer digest ${JSON.stringify(l.digest)} is not a sha256 digest`);
    if (!Number.isSafeInteger(l.size) || l.size < 0) throw bad(`layer ${l.digest} has no valid size in the manifest`);
  }
}

/** Pulls one image (a tag or a digest) into the store. */
export async function pullImage(
  store: Store,
  images: ImageService,
  named: Reference,
  opts: PullOptions = {},
): Promise<PullResult> {
  const ref = withDefaultTag(named);
  const emit = opts.onProgress ?? NO_PROGRESS;
  const platform = typeof opts.platform === 'string' ? parsePlatform(opts.platform) : (opts.platform ?? hostPlatform());
  const repos = pullSources(ref, opts.sources).map((s) => new SourceRepo(s, opts, ref));
  const resolved = await resolve(ref, repos, platform);
  const { manifest } = resolved;
  emit({ id: ref.digest ?? ref.tag, status: `Pulling from ${ref.path}` });
  checkLayers(manifest.layers);

  const cfgRes = await openBlob(resolved.repos, manifest.config.digest);
  const configBytes = await cfgRes.bytes(LIMITS.config, `the config ${manifest.config.digest}`);
  if (sha256(configBytes) !== manifest.config.digest)
    throw bad(`config ${manifest.config.digest} does not match its digest: content hashes to ${sha256(configBytes)}`);
  const config = parse<ImageConfig>(configBytes, 'the image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length)
    throw bad(`the config lists ${diffIds.length} layers but the manifest ${manifest.layers.length}`);
  const chains = chainIds(diffIds);
  const id = sha256(configBytes);
  const tag = ref.digest ? undefined : ref;
  const upToDate = !!store.images.get(id) && (!tag || store.images.resolveRef(fullString(tag)) === id);
  const origin = repoName(ref);
  try {
    // an image the store has already: nothing to download, nothing listed (as Docker)
    if (!store.images.get(id)) await fetchLayers(store, resolved.repos, manifest.layers, diffIds, chains, emit, origin);
    const parent = chains.length ? chains[chains.length - 1] : null;
    images.commitImage(configBytes, {
      topLayer: parent,
      tags: tag ? [tag] : [],
      digests: [`${origin}@${resolved.digest}`],
    });
  } catch (e) {
    // layers of this pull that no image took are removed at once, not left to a later GC
    store.layers.releaseLeases();
    store.gc();
    throw e;
  } finally {
    store.layers.releaseLeases();
  }
  images.emit(id, familiarString(ref), 'pull');
  emit({ status: `Digest: ${resolved.digest}` });
  return { id, digest: resolved.digest, upToDate, ref };
}

/**
 * Downloads the layers the store lacks, three at a time, each unpacked as it
 * streams; adopts them bottom up as each one and those below it are done.
 */
async function fetchLayers(
  store: Store,
  repos: SourceRepo[],
  layers: Descriptor[],
  diffIds: Digest[],
  chains: Digest[],
  emit: OnProgress,
  origin: string,
): Promise<void> {
  const have = chains.map((c) => store.layers.lease(c));
  const short = (d: string) => d.slice(7, 19);
  // what is there and what is to come, first (as Docker lists them)
  layers.forEach((l, i) =>
    emit({
      id: short(l.digest),
      status: have[i] ? 'Already exists' : 'Pulling fs layer',
      ...(have[i] ? {} : { progressDetail: { current: 0 } }),
    }),
  );
  const slots = new Slots(CONCURRENT_DOWNLOADS);
  const abort = new AbortController();
  const tasks: Array<Promise<UnpackedLayer> | undefined> = [];
  let failure: unknown;
  let queued = 0;
  for (const [i, l] of layers.entries()) {
    if (have[i]) continue;
    if (queued++ >= CONCURRENT_DOWNLOADS)
      emit({ id: short(l.digest), status: 'Waiting', progressDetail: { current: 0 } });
    const task = (async () => {
      await slots.take();
      try {
        if (abort.signal.aborted) throw abort.signal.reason;
        return await downloadLayer(store, repos, l, emit, abort.signal);
      } finally {
        slots.give();
      }
    })();
    task.catch((e: unknown) => {
      failure ??= e;
      abort.abort(e);
    });
    tasks[i] = task;
  }
  const unpacked: UnpackedLayer[] = [];
  try {
    for (const [i, l] of layers.entries()) {
      const task = tasks[i];
      if (!task) continue;
      const u = await task;
      unpacked.push(u);
      if (u.diffId !== diffIds[i])
        throw bad(`invalid diffID for layer ${l.digest}: calculated ${u.diffId}, expected ${diffIds[i]}`);
      store.layers.adopt(u, i ? chains[i - 1] : null);
      recordBlob(store, diffIds[i], l.digest, l.size, l.mediaType);
      recordBlobSource(store, l.digest, origin);
      emit({ id: short(l.digest), status: 'Pull complete', progressDetail: {} });
    }
  } catch (e) {
    abort.abort(e);
    // every download ends (and its private directory goes) before the store is cleaned
    const rest = await Promise.allSettled(tasks.filter((t): t is Promise<UnpackedLayer> => !!t));
    for (const r of rest) if (r.status === 'fulfilled' && !unpacked.includes(r.value)) store.layers.discard(r.value);
    for (const u of unpacked) store.layers.discard(u);
    throw failure ?? e;
  }
}

/** One layer: its blob streamed through the digest and size check, decompressed and unpacked. */
async function downloadLayer(
  store: Store,
  repos: SourceRepo[],
  l: Descriptor,
  emit: OnProgress,
  signal: AbortSignal,
): Promise<UnpackedLayer> {
  const id = l.digest.slice(7, 19);
  const res = await openBlob(repos, l.digest);
  const onAbort = () => res.body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const progress = throttled(emit, id, 'Downloading', l.size);
    progress(0, true);
    const blob = verifiedStream(res.body, l.digest, l.size, (n) => progress(n));
    let u: UnpackedLayer;
    try {
      const { head, stream } = await peek(blob.stream, 6);
      u = await store.layers.unpack(decompressStream(stream, detectCompression(head)) as AsyncIterable<Buffer>, l.size);
    } catch (e) {
      // a blob that is not the one promised is the registry's fault, whatever the unpacking said
      blob.abandon();
      await blob.verdict;
      throw e;
    }
    try {
      await blob.verdict; // (already settled: the stream ended)
    } catch (e) {
      store.layers.discard(u);
      throw e;
    }
    progress(l.size, true);
    emit({ id, status: 'Verifying Checksum', progressDetail: {} });
    emit({ id, status: 'Download complete', progressDetail: {} });
    return u;
  } catch (e) {
    res.body.destroy();
    if (e instanceof StowageError) throw e;
    throw new StowageError('unavailable', `layer ${l.digest}: ${(e as Error).message}`, { cause: e });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export interface PullAllResult {
  images: PullResult[];
  upToDate: boolean;
}

/** Every tag of a repository (`pull --all-tags`), one after another, as Docker. */
export async function pullAllTags(
  store: Store,
  images: ImageService,
  repo: Reference,
  opts: PullOptions = {},
): Promise<PullAllResult> {
  if (repo.tag || repo.digest) throw invalidArgument("tag can't be used with --all-tags/-a");
  const sources = pullSources(repo, opts.sources);
  let tags: string[] | undefined;
  let lastError: unknown;
  for (const s of sources) {
    try {
      tags = await new SourceRepo(s, opts, repo).get().tags();
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (!tags) throw lastError;
  const out: PullResult[] = [];
  for (const tag of tags.sort())
    out.push(await pullImage(store, images, { domain: repo.domain, path: repo.path, tag }, opts));
  return { images: out, upToDate: out.every((r) => r.upToDate) };
}
