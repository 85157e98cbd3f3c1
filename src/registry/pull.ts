// `pull`: a manifest (or the linux/<arch> entry of an index), its config and
// its layers from a registry. Every byte is checked against the digest that
// named it while it streams; a layer is unpacked into a private directory and
// only adopted once both its blob digest and its diff ID are right; layers the
// store has are not fetched. The image appears in one transaction, with its
// tag and its repo digest, or not at all.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { decompressStream, peek, detectCompression } from '../archive/decompress';
import { chainIds, sha256, type Digest } from '../digest';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import { invalidArgument } from '../errdefs';
import { hostArch } from '../image/config-json';
import type { ImageConfig, Index, Manifest } from '../oci/types';
import { familiarName, familiarString, fullString, repoName, withDefaultTag, type Reference } from '../reference';
import { MANIFEST_ACCEPT, RegistryClient } from './client';
import { recordBlob } from './blobs';

const INDEX_TYPES = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'];
const LAYER_TYPES = [
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
];

/** What a pull reports as it goes (Docker's status lines; bars on a terminal). */
export interface PullEvents {
  status(id: string, text: string): void;
  progress(id: string, done: number, total: number): void;
}

export interface PullResult {
  id: Digest;
  digest: Digest;
  /** The tag already named this image. */
  upToDate: boolean;
}

const bad = (msg: string) => invalidArgument(msg);

function parse<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw bad(`${what} is not valid JSON`);
  }
}

/** Manifests and configs are read whole: a registry sending more than this is refused (Docker's manifest limit is 4 MiB). */
const MAX_DOCUMENT = 8 << 20;

/** Reads a whole (small) response, checked against its digest. */
async function verified(res: Response, digest: Digest | undefined, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_DOCUMENT) throw bad(`${what} is larger than ${MAX_DOCUMENT} bytes`); // (leaving the loop cancels the body)
    parts.push(Buffer.from(chunk));
  }
  const bytes = Buffer.concat(parts);
  if (digest && sha256(bytes) !== digest) throw bad(`${what} does not match its digest ${digest}: content hashes to ${sha256(bytes)}`);
  return bytes;
}

export async function pullImage(store: Store, images: ImageService, ref: Reference, ev: PullEvents): Promise<PullResult> {
  const client = new RegistryClient(ref.domain);
  const repo = ref.path;
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  const getManifest = async (reference: string, digest?: Digest) => {
    const res = await client.request('GET', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
    if (!res.ok) {
      await client.fail(res, (code) =>
        res.status !== 404 ? `pull ${fullString(ref)}` : code === 'NAME_UNKNOWN' ? `repository ${familiarName(ref)} not found` : `manifest for ${familiarName(ref)}:${wanted} not found`,
      );
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0];
    const bytes = await verified(res, digest, `manifest ${reference}`);
    return { bytes, type, digest: digest ?? sha256(bytes) };
  };
  let m = await getManifest(wanted, ref.digest as Digest | undefined);
  let parsed = parse<Manifest & Index>(m.bytes, 'the manifest');
  if (INDEX_TYPES.includes(parsed.mediaType ?? m.type) || Array.isArray(parsed.manifests)) {
    const arch = hostArch();
    const entry = parsed.manifests.find((d) => d.platform?.os === 'linux' && d.platform.architecture === arch);
    if (!entry) throw bad(`no matching manifest for linux/${arch} in the manifest list entries`);
    const indexDigest = m.digest;
    m = await getManifest(entry.digest, entry.digest);
    m.digest = indexDigest; // the repo digest is what the reference named: the index, as Docker records it
    parsed = parse<Manifest & Index>(m.bytes, 'the manifest');
  }
  const manifest = parsed as Manifest;
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw bad('the manifest has no config or no layers');
  for (const l of manifest.layers) {
    if (!LAYER_TYPES.includes(l.mediaType)) throw bad(`layer ${l.digest} has a media type stowage does not pull: ${l.mediaType}`);
  }
  const cfgRes = await client.request('GET', `/v2/${repo}/blobs/${manifest.config.digest}`);
  if (!cfgRes.ok) await client.fail(cfgRes, `config ${manifest.config.digest}`);
  const configBytes = await verified(cfgRes, manifest.config.digest, `config ${manifest.config.digest}`);
  const config = parse<ImageConfig>(configBytes, 'the image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw bad(`the config lists ${diffIds.length} layers but the manifest ${manifest.layers.length}`);
  const chains = chainIds(diffIds);
  const id = sha256(configBytes);
  const tag = ref.digest ? undefined : withDefaultTag(ref);
  const upToDate = !!store.images.get(id) && (!tag || store.images.resolveRef(fullString(tag)) === id);
  try {
    // what is there and what is to come, first (as Docker lists them), then the downloads in order
    const have = chains.map((c) => store.layers.lease(c));
    manifest.layers.forEach((l, i) => ev.status(l.digest.slice(7, 19), have[i] ? 'Already exists' : 'Pulling fs layer'));
    for (const [i, l] of manifest.layers.entries()) {
      if (have[i]) continue;
      await pullLayer(store, client, repo, l.digest, l.size, diffIds[i], i ? chains[i - 1] : null, ev);
      recordBlob(store, diffIds[i], l.digest, l.size, l.mediaType);
      ev.status(l.digest.slice(7, 19), 'Pull complete');
    }
    const parent = chains.length ? chains[chains.length - 1] : null;
    images.commitImage(configBytes, { topLayer: parent, tags: tag ? [tag] : [], digests: [`${repoName(ref)}@${m.digest}`] });
  } catch (e) {
    // layers of this pull that no image took are removed at once, not left to a later GC
    store.layers.releaseLeases();
    store.gc();
    throw e;
  } finally {
    store.layers.releaseLeases();
  }
  images.emit(id, familiarString(ref), 'pull');
  return { id, digest: m.digest as Digest, upToDate };
}

/**
 * Downloads a layer blob into the store's temporary space, hashing it on the way;
 * only a blob that matches its digest is unpacked (and adopted once its diff ID is right).
 */
async function pullLayer(store: Store, client: RegistryClient, repo: string, digest: Digest, size: number, diffId: Digest, parent: Digest | null, ev: PullEvents): Promise<void> {
  const short = digest.slice(7, 19);
  const res = await client.request('GET', `/v2/${repo}/blobs/${digest}`);
  if (!res.ok || !res.body) await client.fail(res, `layer ${digest}`);
  const file = store.tmpPath('blob');
  try {
    const hash = createHash('sha256');
    let done = 0;
    const out = fs.createWriteStream(file, { mode: 0o600 });
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        done += chunk.length;
        ev.progress(short, done, size);
        cb(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter, out);
    const got = `sha256:${hash.digest('hex')}` as Digest;
    if (got !== digest) throw bad(`filesystem layer verification failed for digest ${digest}: the blob hashes to ${got}`);
    ev.status(short, 'Verifying Checksum');
    ev.status(short, 'Download complete');
    const { head, stream } = await peek(fs.createReadStream(file, { highWaterMark: 1 << 20 }), 6);
    const u = await store.layers.unpack(decompressStream(stream, detectCompression(head)) as AsyncIterable<Buffer>, size);
    if (u.diffId !== diffId) {
      store.layers.discard(u);
      throw bad(`invalid diffID for layer ${digest}: calculated ${u.diffId}, expected ${diffId}`);
    }
    store.layers.adopt(u, parent);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
