// `load`: an archive (Docker's old and new layouts, podman's docker-archive,
// OCI archives and tarred OCI layouts; whole-archive gzip/bzip2/xz/zstd) into the
// store, in one pass. Archives name their layers only in manifest.json or
// index.json, often written last, so every large member is unpacked into the
// store's temporary area as it streams by and small ones are kept in memory;
// once the archive has been read and every digest checked, the layers are
// adopted and the images recorded. A bad archive changes nothing.
import fs from 'node:fs';
import { sha256, type Digest } from '../digest';
import type { ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import type { Reference } from '../reference';
import type { Progress } from '../util/progress';
import { MemberHold } from './member-data';
import { bad, isPlainTar, readMembers, readMembersOfFile, unpackMember, type Member } from './members';
import { planArchive, type ImagePlan } from './plan';

export interface LoadedImage {
  id: Digest;
  tags: Reference[];
}

export interface LoadEvents {
  progress: Progress;
  /** A tag moved here from another image (Docker prints a message). */
  onRetag?: (ref: Reference, oldId: Digest) => void;
}

/** Where the archive comes from: a stream (stdin), or a file, which can be read faster. */
export type ArchiveSource = { stream: AsyncIterable<Buffer> } | { file: string };

export async function loadArchive(
  store: Store,
  images: ImageService,
  source: ArchiveSource,
  ev: LoadEvents,
): Promise<LoadedImage[]> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  const hold = new MemberHold(() => store.tmpPath('member'));
  try {
    if ('file' in source && isPlainTar(source.file))
      await readMembersOfFile(store, source.file, members, links, hold, ev.progress);
    else
      await readMembers(
        store,
        'file' in source ? fs.createReadStream(source.file, { highWaterMark: 1 << 20 }) : source.stream,
        members,
        links,
        hold,
        ev.progress,
      );
    const plans = planArchive(members, links);
    await checkLayers(store, plans);
    return await register(store, images, plans, ev);
  } finally {
    for (const m of members.values()) if (m.kind === 'layer') store.layers.discard(m.unpacked);
    hold.dispose();
    store.layers.releaseLeases();
  }
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
        const m = await unpackMember(store, l.name, l.member.data.chunks());
        Object.assign(l.member, m); // the same member object serves every image that uses it
        delete (l.member as { data?: unknown }).data;
      }
      const m = l.member as Extract<Member, { kind: 'layer' }>;
      if (l.digest && m.digest !== l.digest)
        throw bad(`layer blob ${l.digest} does not match its digest (got ${m.digest})`);
      if (m.unpacked.diffId !== diffIds[i]) {
        throw bad(`invalid diffID for layer ${i} (${l.name}): calculated ${m.unpacked.diffId}, expected ${diffIds[i]}`);
      }
    }
  }
}

async function register(
  store: Store,
  images: ImageService,
  plans: ImagePlan[],
  ev: LoadEvents,
): Promise<LoadedImage[]> {
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
    images.emit(id, id, 'load');
    out.push({ id, tags: p.tags });
  }
  return out;
}
