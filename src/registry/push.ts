// `push`: an image's layers (gzip-compressed, as Docker pushes them), its config
// byte for byte (so the image ID survives) and a Docker v2 schema 2 manifest.
// A blob the registry already has is not sent again; a layer whose compressed
// digest is known from an earlier pull or push is asked for without compressing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { chainIds, sha256, type Digest } from '../digest';
import type { Store } from '../engine/store';
import { writeTx } from '../metadata/db';
import { MEDIA, type Descriptor, type Manifest } from '../oci/types';
import { repoName, type Reference } from '../reference';
import { RegistryClient } from './client';
import { knownBlobs, recordBlob } from './blobs';

export interface PushEvents {
  status(id: string, text: string): void;
  progress(id: string, done: number, total: number): void;
}

async function hasBlob(client: RegistryClient, repo: string, digest: Digest): Promise<boolean> {
  const res = await client.request('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  return client.fail(res, `blob ${digest}`);
}

/** A monolithic upload: POST for a session, then PUT with the digest and the bytes. */
async function upload(client: RegistryClient, repo: string, digest: Digest, body: { file: string; size: number } | Buffer): Promise<void> {
  const start = await client.request('POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) await client.fail(start, `cannot start an upload to ${repo}`);
  const location = new URL(start.headers.get('location') ?? '', client.base);
  location.searchParams.set('digest', digest);
  const headers = { 'Content-Type': 'application/octet-stream' };
  const res = Buffer.isBuffer(body)
    ? await client.request('PUT', location.href, { headers, body })
    : await client.request('PUT', location.href, { headers, file: { path: body.file, size: body.size } });
  if (res.status !== 201) await client.fail(res, `upload of ${digest}`);
}

/** gzip of the layer's tar into a temporary file, hashed on the way. */
async function compressLayer(store: Store, chainId: Digest, file: string, onBytes: (n: number) => void): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  let raw = 0;
  await pipeline(
    store.layers.openTar(chainId),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        raw += chunk.length;
        onBytes(raw);
        cb(null, chunk);
      },
    }),
    createGzip(),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    }),
    fs.createWriteStream(file, { mode: 0o600 }),
  );
  return { digest: `sha256:${hash.digest('hex')}` as Digest, size };
}

/** Pushes image `id` as `ref` (which has a tag); returns the manifest's digest and size. */
export async function pushImage(store: Store, id: Digest, ref: Reference & { tag: string }, ev: PushEvents): Promise<{ digest: Digest; size: number }> {
  const client = new RegistryClient(ref.domain);
  const repo = ref.path;
  const image = store.images.load(id);
  const diffIds = image.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const top = image.record.topLayer;
  if ((top ?? null) !== (chains[chains.length - 1] ?? null)) throw new Error(`image ${id} does not match its layers`);
  const layers: Descriptor[] = [];
  // Docker lists the top layer first
  for (let i = diffIds.length - 1; i >= 0; i--) ev.status(diffIds[i].slice(7, 19), 'Preparing');
  for (let i = diffIds.length - 1; i >= 0; i--) {
    const short = diffIds[i].slice(7, 19);
    let desc: Descriptor | undefined;
    for (const known of knownBlobs(store, diffIds[i])) {
      if (known.mediaType === MEDIA.dockerLayerGzip && (await hasBlob(client, repo, known.digest))) {
        desc = { mediaType: known.mediaType, size: known.size, digest: known.digest };
        break;
      }
    }
    if (desc) {
      ev.status(short, 'Layer already exists');
    } else {
      const file = store.tmpPath('push');
      try {
        const tarSize = store.layers.mustGet(chains[i]).tarSize;
        const { digest, size } = await compressLayer(store, chains[i], file, (n) => ev.progress(short, n, tarSize));
        desc = { mediaType: MEDIA.dockerLayerGzip, size, digest };
        if (await hasBlob(client, repo, digest)) ev.status(short, 'Layer already exists');
        else {
          await upload(client, repo, digest, { file, size });
          ev.status(short, 'Pushed');
        }
        recordBlob(store, diffIds[i], digest, size, MEDIA.dockerLayerGzip);
      } finally {
        fs.rmSync(file, { force: true });
      }
    }
    layers.unshift(desc);
  }
  const configDigest = sha256(image.raw);
  if (!(await hasBlob(client, repo, configDigest))) await upload(client, repo, configDigest, image.raw);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    // descriptors' keys in Docker's order: the same image pushed twice is the same manifest
    config: { mediaType: MEDIA.dockerConfig, size: image.raw.length, digest: configDigest },
    layers,
  };
  // Docker's own encoding (three-space indentation), so the same image pushed twice gives the same digest
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
  const res = await client.request('PUT', `/v2/${repo}/manifests/${ref.tag}`, { headers: { 'Content-Type': MEDIA.dockerManifest }, body: bytes });
  if (res.status !== 201) await client.fail(res, `manifest of ${repoName(ref)}:${ref.tag}`);
  const digest = sha256(bytes);
  writeTx(store.db, () => store.images.setRef(`${repoName(ref)}@${digest}`, id, true));
  return { digest, size: bytes.length };
}
