// `push`: an image's layers (gzip, as Docker pushes them), its config byte
// for byte (so the image ID survives) and a Docker v2 schema 2 manifest, to
// the reference's registry (or the location registries.conf rewrites it to).
// Layers go five at a time, as Docker's. A layer whose compressed blob is
// known is asked for first, then mounted from another repository of the same
// registry that holds it (the token then scoped to both repositories);
// otherwise its tar is rebuilt, gzipped and streamed to the registry in one
// PATCH, hashed on the way, and the upload closed with that digest.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { chainIds, sha256, type Digest } from '../digest';
import type { Store } from '../engine/store';
import { writeTx } from '../metadata/db';
import { MEDIA, type Descriptor, type Manifest } from '../oci/types';
import { repoName, type Reference } from '../reference';
import { blobSources, knownBlobs, recordBlob, recordBlobSource } from './blobs';
import { gzipLayer } from './layer-gzip';
import { Registry, type Repository } from './client';
import type { AuthConfig } from './credentials';
import type { RegistryHosts } from './hosts';
import { NO_PROGRESS, Slots, throttled, type OnProgress } from './progress';
import { originSource, type SourceConfig } from './sources';
import { failedPrecondition, internal } from '../errdefs';

/** Docker's max-concurrent-uploads default. */
const CONCURRENT_UPLOADS = 5;
/** Mount attempts per layer, as Docker's (for a layer known in other repositories). */
const MAX_MOUNTS = 3;

export interface PushOptions {
  auth?: AuthConfig;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  sources?: SourceConfig;
  hosts?: RegistryHosts;
  /** one registry client for several pushes (every tag of `push -a`) */
  registry?: Registry;
}

/** The registry client a push of `ref` uses (exported so that `push -a` shares one). */
export function pushRegistry(ref: Reference, opts: PushOptions = {}): { registry: Registry; path: string } {
  const target = originSource(ref, opts.sources);
  const registry =
    opts.registry ??
    new Registry(target.domain, { auth: opts.auth, insecure: target.insecure, hosts: opts.hosts, signal: opts.signal });
  return { registry, path: target.path };
}

/** Tries to mount a known blob from other repositories of the registry; an upload session left open is returned for reuse. */
async function tryMounts(
  store: Store,
  repo: Repository,
  known: Descriptor[],
): Promise<{ mounted?: { desc: Descriptor; from: string }; session?: URL }> {
  const prefix = `${repo.registry.domain}/`;
  const self = `${prefix}${repo.path}`;
  let attempts = 0;
  let session: URL | undefined;
  for (const desc of known) {
    for (const source of blobSources(store, desc.digest)) {
      if (!source.startsWith(prefix) || source === self || attempts >= MAX_MOUNTS) continue;
      attempts++;
      const from = source.slice(prefix.length);
      try {
        const r = await repo.startUpload({ digest: desc.digest, from });
        if (r.mounted) return { mounted: { desc, from } };
        session = r.location;
      } catch {
        /* no mount from there: try the next, then upload */
      }
    }
  }
  return { session };
}

/** Streams the layer's tar, gzipped, into an upload; returns the blob's digest and size. */
async function uploadLayer(
  store: Store,
  repo: Repository,
  chainId: Digest,
  session: URL | undefined,
  onRaw: (n: number) => void,
): Promise<{ digest: Digest; size: number }> {
  let location = session;
  if (!location) {
    const up = await repo.startUpload();
    if (up.mounted) throw internal('the registry mounted a blob it was not asked to');
    location = up.location;
  }
  const hash = createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const gzip = Readable.from(gzipLayer(store.layers.openTar(chainId), onRaw));
  gzip.on('error', (e) => hasher.destroy(e));
  gzip.pipe(hasher);
  let digest: Digest | undefined;
  hasher.on('end', () => (digest = `sha256:${hash.digest('hex')}`));
  const next = await repo.patchUpload(location, { stream: hasher });
  if (!digest) throw internal('the layer stream ended without a digest');
  await repo.closeUpload(next, digest);
  return { digest, size };
}

/** Pushes image `id` as `ref` (which has a tag); returns the manifest's digest and size. */
export async function pushImage(
  store: Store,
  id: Digest,
  ref: Reference & { tag: string },
  opts: PushOptions = {},
): Promise<{ digest: Digest; size: number }> {
  const emit = opts.onProgress ?? NO_PROGRESS;
  const { registry, path } = pushRegistry(ref, opts);
  const repo = registry.repository(path);
  const fullRepo = `${registry.domain}/${path}`;
  const image = store.images.load(id);
  const diffIds = image.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const top = image.record.topLayer;
  if ((top ?? null) !== (chains[chains.length - 1] ?? null))
    throw failedPrecondition(`image ${id} does not match its layers`);
  await registry.connect();
  // Docker lists the top layer first
  const order = diffIds.map((_, i) => diffIds.length - 1 - i);
  for (const i of order) emit({ id: diffIds[i].slice(7, 19), status: 'Preparing', progressDetail: {} });
  const slots = new Slots(CONCURRENT_UPLOADS);
  const pushLayer = async (i: number): Promise<Descriptor> => {
    const short = diffIds[i].slice(7, 19);
    if (slots.busy) emit({ id: short, status: 'Waiting', progressDetail: {} });
    await slots.take();
    try {
      const known = knownBlobs(store, diffIds[i]).filter((k) => k.mediaType === MEDIA.dockerLayerGzip);
      for (const k of known) {
        if (await repo.hasBlob(k.digest)) {
          emit({ id: short, status: 'Layer already exists', progressDetail: {} });
          return { mediaType: k.mediaType, size: k.size, digest: k.digest };
        }
      }
      const m = await tryMounts(store, repo, known);
      if (m.mounted) {
        emit({ id: short, status: `Mounted from ${m.mounted.from}`, progressDetail: {} });
        recordBlobSource(store, m.mounted.desc.digest, fullRepo);
        return { mediaType: m.mounted.desc.mediaType, size: m.mounted.desc.size, digest: m.mounted.desc.digest };
      }
      const tarSize = store.layers.mustGet(chains[i]).tarSize;
      const progress = throttled(emit, short, 'Pushing', tarSize);
      const { digest, size } = await uploadLayer(store, repo, chains[i], m.session, (n) => progress(n));
      progress(tarSize, true);
      emit({ id: short, status: 'Pushed', progressDetail: {} });
      recordBlob(store, diffIds[i], digest, size, MEDIA.dockerLayerGzip);
      recordBlobSource(store, digest, fullRepo);
      return { mediaType: MEDIA.dockerLayerGzip, size, digest };
    } finally {
      slots.give();
    }
  };
  const pushed = order.map((i) => ({ i, p: pushLayer(i) }));
  for (const x of pushed) x.p.catch(() => {});
  const layers: Descriptor[] = [];
  for (const x of pushed) layers[x.i] = await x.p;
  const configDigest = sha256(image.raw);
  if (!(await repo.hasBlob(configDigest, [`repository:${path}:pull,push`]))) {
    const up = await repo.startUpload();
    if (!up.mounted) await repo.closeUpload(up.location, configDigest, image.raw);
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    // descriptors' keys in Docker's order: the same image pushed twice is the same manifest
    config: { mediaType: MEDIA.dockerConfig, size: image.raw.length, digest: configDigest },
    layers,
  };
  // Docker's own encoding (three-space indentation), so the same image pushed twice gives the same digest
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
  await repo.putManifest(ref.tag, bytes, MEDIA.dockerManifest);
  const digest = sha256(bytes);
  writeTx(store.db, () => store.images.setRef(`${repoName(ref)}@${digest}`, id, true));
  return { digest, size: bytes.length };
}
