// `save`: images from the store to the archive layout Docker Engine 25+ writes:
// an OCI image layout (oci-layout, index.json, blobs/sha256/…) plus manifest.json
// and repositories, which Docker 20.10, podman and skopeo all read. Layers are
// stored uncompressed under their diff IDs; shared layers are written once; the
// same images always give the same bytes.
import { hex, sha256, type Digest } from '../digest';
import fs from 'node:fs';
import path from 'node:path';
import { internal, isNotFound, notFound } from '../errdefs';
import { PoolSha256 } from '../native/pool-sha256';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import { MEDIA, type Descriptor } from '../oci/types';
import { familiarName, fullString, parseNormalized, type Reference } from '../reference';
import { goJson } from '../util/gojson';
import type { Progress } from '../util/progress';
import type { Sink } from '../tar/writer';
import { TarWriter } from '../tar/writer';

export interface SaveTarget {
  id: Digest;
  /** Tags saved with the image; empty when it was named by ID. */
  refs: Reference[];
}

/** Which images and tags the names select, as moby's tarexport parseNames. */
export function resolveSaveTargets(images: ImageService, store: Store, names: string[]): SaveTarget[] {
  const targets: SaveTarget[] = [];
  const add = (id: Digest, ref?: Reference) => {
    let t = targets.find((x) => x.id === id);
    if (!t) targets.push((t = { id, refs: [] }));
    if (ref && !t.refs.some((r) => fullString(r) === fullString(ref))) t.refs.push(ref);
  };
  for (const name of names) {
    if (/^(sha256:)?[a-f0-9]{64}$/.test(name) || name.startsWith('sha256:')) {
      add(images.resolveId(name));
      continue;
    }
    const ref = parseNormalized(name);
    if (ref.tag === undefined && ref.digest === undefined) {
      const repo = fullString(ref);
      const tagged = store.images
        .allRefs()
        .filter((r) => !r.isDigest && r.name.startsWith(`${repo}:`))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      if (tagged.length) for (const r of tagged) add(r.imageId, parseNormalized(r.name));
      else {
        // a short ID looks like a repository name; not found, it is named as given
        try {
          add(images.resolveId(name));
        } catch (e) {
          throw isNotFound(e) ? notFound(`No such image: ${name}`) : e;
        }
      }
      continue;
    }
    const id = store.images.resolveRef(fullString(ref));
    if (!id) throw notFound(`No such image: ${name}`);
    add(id, ref.digest ? undefined : ref);
  }
  return targets;
}

interface Planned {
  target: SaveTarget;
  config: Buffer;
  created: number;
  layers: Array<{ chainId: Digest; diffId: Digest; size: number }>;
  manifest: Buffer;
  manifestDigest: Digest;
}

const json = (v: unknown) => Buffer.from(goJson(v));

export async function saveImages(store: Store, targets: SaveTarget[], sink: Sink, progress: Progress): Promise<void> {
  const plans: Planned[] = targets.map((target) => {
    const img = store.images.load(target.id);
    const layers = store.layers
      .stack(img.record.topLayer)
      .map((l) => ({ chainId: l.chainId, diffId: l.diffId, size: l.tarSize }));
    const manifest = json({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: target.id, size: img.raw.length },
      layers: layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffId, size: l.size })),
    });
    const created = Math.floor(Date.parse(img.config.created ?? '') / 1000) || 0;
    return { target, config: img.raw, created, layers, manifest, manifestDigest: sha256(manifest) };
  });

  // every blob once, in name order, as Docker's sorted directory walk writes them
  type Blob = { digest: Digest; mtime: number; data?: Buffer; layer?: { chainId: Digest; size: number } };
  const blobs = new Map<string, Blob>();
  for (const p of plans) {
    const put = (b: Blob) => blobs.has(b.digest) || blobs.set(b.digest, b);
    put({ digest: p.target.id, mtime: p.created, data: p.config });
    put({ digest: p.manifestDigest, mtime: p.created, data: p.manifest });
    for (const l of p.layers) put({ digest: l.diffId, mtime: p.created, layer: { chainId: l.chainId, size: l.size } });
  }

  const index: Descriptor[] = [];
  const manifestJson: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const p of plans) {
    const desc = { mediaType: MEDIA.ociManifest, digest: p.manifestDigest, size: p.manifest.length };
    if (p.target.refs.length === 0) index.push(desc);
    for (const r of p.target.refs) {
      index.push({
        ...desc,
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- save's references are tagged ones (a digest reference is saved under the image alone)
        annotations: { 'io.containerd.image.name': fullString(r), 'org.opencontainers.image.ref.name': r.tag! },
      });
      const top = p.layers[p.layers.length - 1];
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- save's references are tagged ones (a digest reference is saved under the image alone)
      if (top) (repositories[familiarName(r)] ??= {})[r.tag!] = hex(top.diffId);
    }
    manifestJson.push({
      Config: `blobs/sha256/${hex(p.target.id)}`,
      RepoTags: p.target.refs.length ? p.target.refs.map((r) => `${familiarName(r)}:${r.tag}`) : null,
      Layers: p.layers.map((l) => `blobs/sha256/${hex(l.diffId)}`),
    });
  }

  // the layers' hashes run on the thread pool while the next layer is read (see writeLayer);
  // each is checked against its diff ID before the index and manifests make the archive whole
  const checks: Array<() => Promise<void>> = [];
  const w = new TarWriter(sink);
  await w.dir('blobs/', 0);
  await w.dir('blobs/sha256/', 0);
  for (const b of [...blobs.values()].sort((a, c) => (a.digest < c.digest ? -1 : 1))) {
    const name = `blobs/sha256/${hex(b.digest)}`;
    if (b.data) {
      await w.file(name, b.data, b.mtime);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a blob holds either its bytes or a layer
    const { chainId, size } = b.layer!;
    const id = hex(b.digest).slice(0, 12);
    progress.start(id, 'Saving layer', size);
    await w.entry(name, size, b.mtime, async (sink) => {
      checks.push(await writeLayer(store, chainId, sink, (n) => progress.update(id, n)));
    });
    progress.finish(id);
  }
  for (const check of checks) await check();
  await w.file('index.json', json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index }), 0);
  await w.file('manifest.json', json(manifestJson), 0);
  await w.file('oci-layout', json({ imageLayoutVersion: '1.0.0' }), 0);
  if (Object.keys(repositories).length) await w.file('repositories', json(sortDeep(repositories)), 0);
  await w.end();
}

const CHUNK = 1 << 20;
/** Chunks of one layer that may wait for its hash before the reading waits (the pool releases them 4 MB at a time). */
const RING = 16;

/**
 * Writes a layer's tar, rebuilt from its directory and tar-split, in 1 MB chunks
 * that are hashed on the thread pool as they go (native/pool-sha256.ts); returns
 * the check of that hash against the diff ID. Each byte is read once (copied by
 * copy_file_range and read again by a worker thread to hash, save took half as
 * much CPU again and waited for the worker at each layer's end). A sink that is
 * done with a buffer when write() returns (a file) gets the same few chunks
 * again once hashed; a stream, which may hold on to them, new ones.
 */
async function writeLayer(
  store: Store,
  chainId: Digest,
  sink: Sink,
  onBytes: (n: number) => void,
): Promise<() => Promise<void>> {
  const layer = store.layers.mustGet(chainId);
  const dir = store.layers.layerDir(chainId);
  const hash = new PoolSha256();
  const inFlight: Array<{ buf: Buffer; end: number }> = [];
  const nextChunk = async (): Promise<Buffer> => {
    if (!sink.doneWithBuffers || inFlight.length < RING) return Buffer.allocUnsafe(CHUNK);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- RING > 0 chunks are in flight
    const oldest = inFlight.shift()!;
    await hash.hashedThrough(oldest.end);
    return oldest.buf;
  };
  let buf = await nextChunk();
  let used = 0;
  let done = 0;
  const flush = async () => {
    const part = buf.subarray(0, used);
    await sink.write(part);
    const lagging = hash.update(part);
    if (sink.doneWithBuffers) inFlight.push({ buf, end: hash.queued });
    if (lagging) await lagging;
    done += used;
    onBytes(done);
    buf = await nextChunk();
    used = 0;
  };
  for (const seg of store.layers.tarSplit(chainId)) {
    if ('raw' in seg) {
      for (let from = 0; from < seg.raw.length;) {
        const n = seg.raw.copy(buf, used, from);
        from += n;
        used += n;
        if (used === CHUNK) await flush();
      }
      continue;
    }
    const fd = fs.openSync(path.join(dir, seg.file), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      for (let left = seg.size; left > 0;) {
        const n = fs.readSync(fd, buf, used, Math.min(left, CHUNK - used), null);
        if (n === 0) throw internal(`layer ${layer.diffId}: ${seg.file} is shorter than recorded`);
        left -= n;
        used += n;
        if (used === CHUNK) await flush();
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  if (used) await flush();
  const digest = hash.digest();
  digest.catch(() => {}); // awaited by the check
  return async () => {
    const got = await digest;
    if (got !== layer.diffId)
      throw internal(
        `cannot save layer ${layer.diffId}: its content does not match it (got ${got}): the layer store is damaged`,
      );
  };
}

function sortDeep(o: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const sorted = (x: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)));
  return sorted(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, sorted(v)]))) as Record<
    string,
    Record<string, string>
  >;
}
