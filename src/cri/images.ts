// The CRI ImageService over the store the CLI uses: images pulled here are in
// `stowage images` and the other way round. Shapes and rules follow containerd's
// CRI plugin (pkg/cri/server/image_*.go): an image is named by its config digest,
// its tags and repo digests are full names, an unknown image has a nil status and
// removing it succeeds.
import fs from 'node:fs';
import type { Digest } from '../digest';
import type { Engine } from '../engine/engine';
import { NoSuchImageError } from '../engine/images';
import { StowageError } from '../errdefs';
import { InvalidReferenceError } from '../reference';
import { pullForCri } from './image-pull';
import type { AuthConfig, CriImage, FilesystemUsage } from './types';
import { nowNs } from './time';

/** containerd's getUserFromImage: a numeric user is a uid, anything else a name (the group is dropped). */
export function imageUser(user: string | undefined): { uid: { value: string } | null; username: string } {
  if (!user) return { uid: null, username: '' };
  const name = user.split(':')[0];
  if (/^[+-]?\d+$/.test(name)) return { uid: { value: String(Number(name)) }, username: '' };
  return { uid: null, username: name };
}

export class CriImages {
  constructor(
    private readonly engine: Engine,
    private readonly mirrors: () => Record<string, string[]>,
  ) {}

  /** The image a name, digest reference or ID names; undefined when there is none. */
  resolve(ref: string): Digest | undefined {
    if (!ref) return undefined;
    try {
      return this.engine.images.resolveId(ref);
    } catch (e) {
      if (e instanceof NoSuchImageError || e instanceof InvalidReferenceError) return undefined;
      if (e instanceof StowageError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  toCri(id: Digest): CriImage {
    const image = this.engine.store.images.load(id);
    const refs = this.engine.store.images.refsOf(id);
    return {
      id,
      repo_tags: refs.filter((r) => !r.isDigest).map((r) => r.name),
      repo_digests: refs.filter((r) => r.isDigest).map((r) => r.name),
      size: String(image.record.size),
      ...imageUser(image.config.config?.User),
      spec: null,
      pinned: false,
    };
  }

  list(filter?: string): CriImage[] {
    if (filter) {
      const id = this.resolve(filter);
      return id ? [this.toCri(id)] : [];
    }
    return this.engine.store.images.list().map((r) => this.toCri(r.id));
  }

  status(ref: string, verbose: boolean): { image: CriImage | null; info: Record<string, string> } {
    const id = this.resolve(ref);
    if (!id) return { image: null, info: {} };
    const image = this.toCri(id);
    if (!verbose) return { image, info: {} };
    const config = this.engine.store.images.load(id).config;
    return {
      image,
      info: { info: JSON.stringify({ chainID: this.engine.store.images.get(id)?.topLayer ?? '', imageSpec: config }) },
    };
  }

  async pull(image: string, auth?: AuthConfig | null): Promise<Digest> {
    return pullForCri(this.engine, image, { mirrors: this.mirrors(), auth });
  }

  /** Removes the image with all its names; an unknown image is no error. */
  remove(ref: string): void {
    const id = this.resolve(ref);
    if (!id) return;
    this.engine.images.remove(id, { force: true });
  }

  private fsCache?: { at: number; usage: FilesystemUsage };

  /** Usage of the image layers (`overlay/` of the store), measured at most every 10 s (the kubelet asks often). */
  fsInfo(): FilesystemUsage {
    if (this.fsCache && Date.now() - this.fsCache.at < 10_000) return this.fsCache.usage;
    const mountpoint = `${this.engine.store.root}/overlay`;
    fs.mkdirSync(mountpoint, { recursive: true });
    const { bytes, inodes } = usage(mountpoint);
    const result = {
      timestamp: nowNs(),
      fs_id: { mountpoint },
      used_bytes: { value: String(bytes) },
      inodes_used: { value: String(inodes) },
    };
    this.fsCache = { at: Date.now(), usage: result };
    return result;
  }
}

/** Bytes and inodes used under a directory (each inode counted once). */
export function usage(dir: string): { bytes: number; inodes: number } {
  let bytes = 0;
  let inodes = 0;
  const seen = new Set<string>();
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      // best effort: the directory was removed or is unreadable; count what is left
      return;
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        // best effort: the entry was removed between readdir and lstat
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inodes++;
      bytes += st.blocks * 512;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return { bytes, inodes };
}
