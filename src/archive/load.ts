// `load`: an archive (Docker's old and new layouts, podman's docker-archive,
// OCI archives and tarred OCI layouts; whole-archive gzip/bzip2/xz/zstd) into the
// store, in one pass. Archives name their layers only in manifest.json or
// index.json, often written last, so every large member is unpacked into the
// store's temporary area as it streams by and small ones are kept in memory;
// once the archive has been read and every digest checked, the layers are
// adopted and the images recorded. A bad archive changes nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { hex, isDigest, sha256, type Digest } from '../digest';
import { StowageError } from '../errdefs';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import type { UnpackedLayer } from '../layer/store';
import { MEDIA, type ImageConfig, type Index, type Manifest } from '../oci/types';
import { parseNormalized, withDefaultTag, type Reference } from '../reference';
import { readTar, readTarRange } from '../tar/reader';
import type { Progress } from '../cli/output/progress';
import { autoDecompress, decompressStream, detectCompression, peek } from './decompress';
import { Channel } from './channel';

// Members up to this size are kept in memory (configs, manifests, tiny layers).
const SMALL = 1 << 20;

type Member =
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'layer'; unpacked: UnpackedLayer; digest: Digest; compressed: boolean };

export interface LoadedImage {
  id: Digest;
  tags: Reference[];
}

export interface LoadEvents {
  progress: Progress;
  /** A tag moved here from another image (Docker prints a message). */
  onRetag?(ref: Reference, oldId: Digest): void;
}

/** What is wrong with an archive (a member, a digest); the store is left unchanged. */
export class ArchiveError extends StowageError {
  constructor(message: string, cause?: unknown) {
    super('invalid-argument', message, { cause });
  }
}

const bad = (msg: string) => new ArchiveError(`invalid archive: ${msg}`);

function memberName(name: string): string {
  return path.posix.normalize(name.replace(/^\/+/, '')).replace(/^(\.\/)+/, '').replace(/\/$/, '');
}

/** Where the archive comes from: a stream (stdin), or a file, which can be read faster. */
export type ArchiveSource = { stream: AsyncIterable<Buffer> } | { file: string };

export async function loadArchive(store: Store, images: ImageService, source: ArchiveSource, ev: LoadEvents): Promise<LoadedImage[]> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  try {
    if ('file' in source && isPlainTar(source.file)) await readMembersOfFile(store, source.file, members, links, ev.progress);
    else await readMembers(store, 'file' in source ? fs.createReadStream(source.file, { highWaterMark: 1 << 20 }) : source.stream, members, links, ev.progress);
    const resolve = (name: string): Member | undefined => {
      let n = memberName(name);
      for (let hops = 0; hops < 16 && !members.has(n) && links.has(n); hops++) n = links.get(n)!;
      return members.get(n);
    };
    const plans = members.has('manifest.json') ? planDocker(resolve) : members.has('index.json') ? planOci(resolve) : undefined;
    if (!plans) {
      throw bad(members.size === 0 ? 'the file is empty or not a tar archive' : 'it has neither manifest.json nor index.json: not a Docker or OCI image archive');
    }
    await checkLayers(store, plans);
    return await register(store, images, plans, ev);
  } finally {
    for (const m of members.values()) if (m.kind === 'layer') store.layers.discard(m.unpacked);
    store.layers.releaseLeases();
  }
}

function isPlainTar(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(6);
    return fs.readSync(fd, head, 0, 6, 0) === 6 && detectCompression(head) === 'none';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The fast path for an uncompressed archive file: headers are read where they
 * are, and each uncompressed layer member is unpacked from its byte range
 * (bodies copied in the kernel, hashed on the worker thread meanwhile).
 */
async function readMembersOfFile(store: Store, file: string, members: Map<string, Member>, links: Map<string, string>, progress: Progress) {
  const fd = fs.openSync(file, 'r');
  let name = '';
  let small: Buffer[] = [];
  let ranged = false; // the body came as a range (body()), not as data
  try {
    await readTarRange(fd, 0, fs.fstatSync(fd).size, {
      entry(h) {
        name = memberName(h.name);
        small = [];
        ranged = false;
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
      },
      // bodies the reader had in its window
      data(b) {
        small.push(b);
      },
      endEntry(h) {
        if (h.type === 'file' && !ranged) members.set(name, { kind: 'data', bytes: Buffer.concat(small) });
      },
      async body(_fd, offset, size) {
        ranged = true;
        if (size <= SMALL) {
          const bytes = Buffer.alloc(size);
          fs.readSync(fd, bytes, 0, size, offset);
          members.set(name, { kind: 'data', bytes });
          return;
        }
        const id = shortName(name);
        progress.start(id, 'Loading layer', size);
        const head = Buffer.alloc(6);
        fs.readSync(fd, head, 0, 6, offset);
        if (detectCompression(head) === 'none') {
          try {
            const unpacked = await store.layers.unpackRange(file, fd, offset, offset + size);
            members.set(name, { kind: 'layer', unpacked, digest: unpacked.diffId, compressed: false });
          } catch (e) {
            throw new ArchiveError(`invalid archive: layer ${name}: ${(e as Error).message}`, e);
          }
        } else {
          members.set(name, await unpackMember(store, name, fs.createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 }), size));
        }
        progress.finish(id);
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw bad(`${members.size === 0 ? 'not a tar archive: ' : ''}${(e as Error).message}${name ? ` (while reading ${name})` : ''}`);
  } finally {
    fs.closeSync(fd);
  }
}

async function readMembers(store: Store, source: AsyncIterable<Buffer>, members: Map<string, Member>, links: Map<string, string>, progress: Progress) {
  const { stream } = await autoDecompress(source);
  let sawEntry = false;
  let current: { name: string; small?: Buffer[]; channel?: Channel; done?: Promise<Member>; bytes: number; size: number } | undefined;
  try {
    await readTar(stream, {
      entry(h) {
        sawEntry = true;
        const name = memberName(h.name);
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
        if (h.type !== 'file') return;
        current = { name, bytes: 0, size: h.size };
        if (h.size <= SMALL) {
          current.small = [];
          return;
        }
        const channel = new Channel();
        const id = shortName(name);
        progress.start(id, 'Loading layer', h.size);
        current.channel = channel;
        current.done = unpackMember(store, name, channel, h.size).then(
          (m) => (progress.finish(id), m),
          (e) => {
            channel.fail(e);
            throw e;
          },
        );
        current.done.catch(() => {}); // observed below, at endEntry
      },
      async data(b) {
        const c = current!;
        c.bytes += b.length;
        if (c.small) c.small.push(Buffer.from(b));
        else {
          await c.channel!.push(b);
          progress.update(shortName(c.name), c.bytes);
        }
      },
      async endEntry(h) {
        if (h.type !== 'file' || !current) return;
        const c = current;
        current = undefined;
        if (c.small) {
          members.set(c.name, { kind: 'data', bytes: Buffer.concat(c.small) });
          return;
        }
        c.channel!.end();
        members.set(c.name, await c.done!);
      },
    });
  } catch (e) {
    if (current?.channel) {
      current.channel.fail(e);
      current.channel.end();
      const m = await current.done!.catch(() => undefined);
      if (m?.kind === 'layer') store.layers.discard(m.unpacked);
    }
    if (e instanceof ArchiveError) throw e;
    const where = current ? ` (while reading ${current.name})` : '';
    throw bad(`${sawEntry ? '' : 'not a tar archive: '}${(e as Error).message}${where}`);
  }
}

function shortName(member: string): string {
  const m = /([a-f0-9]{12})[a-f0-9]*(?:\/layer\.tar|\.tar)?$/.exec(member);
  return m ? m[1] : member.slice(0, 12);
}

/** Unpacks one archive member as a layer (compressed or not); a compressed blob's own digest is hashed too. */
async function unpackMember(store: Store, name: string, bytes: AsyncIterable<Buffer>, size = 0): Promise<Member> {
  try {
    const { head, stream: raw } = await peek(bytes, 6);
    const compression = detectCompression(head);
    const rawHash = compression === 'none' ? undefined : createHash('sha256');
    async function* hashed() {
      for await (const b of raw) {
        rawHash!.update(b);
        yield b;
      }
    }
    const stream = rawHash ? decompressStream(Readable.from(hashed()), compression) : raw;
    const unpacked = await store.layers.unpack(stream, rawHash ? 0 : size);
    for await (const _ of stream) void _; // drain whatever follows the tar's end marker
    const digest: Digest = rawHash ? `sha256:${rawHash.digest('hex')}` : unpacked.diffId;
    return { kind: 'layer', unpacked, digest, compressed: !!rawHash };
  } catch (e) {
    throw new ArchiveError(`invalid archive: layer ${name}: ${(e as Error).message}`, e);
  }
}

interface ImagePlan {
  configName: string;
  config: Buffer;
  parsed: ImageConfig;
  layers: Array<{ name: string; member: Member; digest?: Digest }>;
  tags: Reference[];
}

type Resolve = (name: string) => Member | undefined;

function dataMember(resolve: Resolve, name: string, what: string): Buffer {
  const m = resolve(name);
  if (!m) throw bad(`${what} "${name}" is missing from the archive`);
  if (m.kind !== 'data') throw bad(`${what} "${name}" is too large to be one`);
  return m.bytes;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw bad(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A config named after its digest must hash to it (Docker only trusts the content). */
function checkNamedDigest(name: string, bytes: Buffer, what: string): void {
  const m = /(?:^|\/)(?:sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  if (!m) return;
  const got = sha256(bytes);
  if (hex(got) !== m[1]) throw bad(`${what} "${name}" does not match its digest: content hashes to ${got}`);
}

function planDocker(resolve: Resolve): ImagePlan[] {
  const entries = parseJson<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(dataMember(resolve, 'manifest.json', 'file'), 'manifest.json');
  if (!Array.isArray(entries)) throw bad('manifest.json is not a list of images');
  return entries.map((e) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw bad('manifest.json entry without Config or Layers');
    const config = dataMember(resolve, e.Config, 'config');
    checkNamedDigest(e.Config, config, 'config');
    const layers = e.Layers.map((name) => {
      const member = resolve(name);
      if (!member) throw bad(`layer "${name}" listed in manifest.json is missing from the archive`);
      return { name, member };
    });
    const tags = (e.RepoTags ?? []).map((t) => withDefaultTag(parseNormalized(t)));
    return { configName: e.Config, config, parsed: parseJson<ImageConfig>(config, `config ${e.Config}`), layers, tags };
  });
}

function blobName(d: string): string {
  if (!isDigest(d)) throw bad(`unsupported digest "${d}"`);
  return `blobs/sha256/${hex(d as Digest)}`;
}

function blob(resolve: Resolve, d: string, what: string): Buffer {
  const bytes = dataMember(resolve, blobName(d), what);
  if (sha256(bytes) !== d) throw bad(`${what} ${d} does not match its digest`);
  return bytes;
}

function planOci(resolve: Resolve): ImagePlan[] {
  const plans: ImagePlan[] = [];
  const visit = (idx: Index, inherited?: Record<string, string>) => {
    for (const desc of idx.manifests ?? []) {
      const ann = { ...inherited, ...desc.annotations };
      if (desc.mediaType === MEDIA.ociIndex || desc.mediaType === MEDIA.dockerManifestList) {
        visit(parseJson<Index>(blob(resolve, desc.digest, 'index'), `index ${desc.digest}`), ann);
        continue;
      }
      if (desc.platform && (desc.platform.os !== 'linux' || desc.platform.architecture !== hostArchitecture())) continue;
      const manifest = parseJson<Manifest>(blob(resolve, desc.digest, 'manifest'), `manifest ${desc.digest}`);
      if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw bad(`manifest ${desc.digest} has no config or layers`);
      const config = blob(resolve, manifest.config.digest, 'config');
      const layers = manifest.layers.map((l) => {
        const member = resolve(blobName(l.digest));
        if (!member) throw bad(`layer blob ${l.digest} is missing from the archive`);
        return { name: blobName(l.digest), member, digest: l.digest };
      });
      const name = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
      let tags: Reference[] = [];
      if (name) {
        try {
          tags = [withDefaultTag(parseNormalized(name))];
        } catch {
          tags = []; // a bare tag such as "latest" names no repository
        }
      }
      const existing = plans.find((p) => p.configName === manifest.config.digest);
      if (existing) existing.tags.push(...tags);
      else plans.push({ configName: manifest.config.digest, config, parsed: parseJson<ImageConfig>(config, `config ${manifest.config.digest}`), layers, tags });
    }
  };
  const index = parseJson<Index>(dataMember(resolve, 'index.json', 'file'), 'index.json');
  if (!Array.isArray(index.manifests)) throw bad('index.json has no manifests');
  visit(index);
  if (!plans.length) throw bad('index.json lists no image for this platform');
  return plans;
}

function hostArchitecture(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}

/** Small layers are unpacked now; every layer must match its config's diff IDs. */
async function checkLayers(store: Store, plans: ImagePlan[]): Promise<void> {
  for (const p of plans) {
    const diffIds = p.parsed.rootfs?.diff_ids;
    if (!Array.isArray(diffIds)) throw bad(`config ${p.configName} has no rootfs.diff_ids`);
    if (diffIds.length !== p.layers.length) {
      throw bad(`config ${p.configName} lists ${diffIds.length} layers but the manifest ${p.layers.length}`);
    }
    for (let i = 0; i < p.layers.length; i++) {
      const l = p.layers[i];
      if (l.member.kind === 'data') {
        const bytes = l.member.bytes;
        const m = await unpackMember(store, l.name, Readable.from([bytes]));
        Object.assign(l.member, m); // the same member object serves every image that uses it
        delete (l.member as { bytes?: Buffer }).bytes;
      }
      const m = l.member as Extract<Member, { kind: 'layer' }>;
      if (l.digest && m.digest !== l.digest) throw bad(`layer blob ${l.digest} does not match its digest (got ${m.digest})`);
      if (m.unpacked.diffId !== diffIds[i]) {
        throw bad(`invalid diffID for layer ${i} (${l.name}): calculated ${m.unpacked.diffId}, expected ${diffIds[i]}`);
      }
    }
  }
}

async function register(store: Store, images: ImageService, plans: ImagePlan[], ev: LoadEvents): Promise<LoadedImage[]> {
  const adopted = new Map<Member, Digest>(); // member -> chain it was moved into
  const out: LoadedImage[] = [];
  for (const p of plans) {
    let parent: Digest | null = null;
    for (const l of p.layers) {
      const m = l.member as Extract<Member, { kind: 'layer' }>;
      const chain: Digest = parent ? sha256(`${parent} ${m.unpacked.diffId}`) : m.unpacked.diffId;
      if (store.layers.lease(chain)) {
        parent = chain;
        continue;
      }
      const from = adopted.get(m);
      const u = from ? await store.layers.unpack(store.layers.openTar(from)) : m.unpacked;
      parent = store.layers.adopt(u, parent).chainId;
      if (!from) adopted.set(m, parent);
    }
    const id = images.commitImage(p.config, { topLayer: parent, tags: p.tags, onRetag: ev.onRetag });
    out.push({ id, tags: p.tags });
  }
  return out;
}
