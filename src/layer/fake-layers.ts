// Layers in memory, for services tested without overlay directories (see
// layers-contract.ts): each layer keeps its tar; sizes are counted from its headers.
import path from 'node:path';
import { sha256, type Digest } from '../digest';
import { invalidArgument, notFound } from '../errdefs';
import { readTar } from '../tar/reader';
import type { Layers } from './layers';
import type { LayerInfo } from './store';

export class FakeLayers implements Layers {
  private readonly layers = new Map<Digest, { info: LayerInfo; tar: Buffer }>();

  /** `root`: where the layers' directories would be (inspect shows them; nothing is made there). */
  constructor(private readonly root = '/fake-layers') {}

  layerDir(chainId: Digest): string {
    return path.join(this.root, chainId.replace(/^sha256:/, ''));
  }

  diffDir(chainId: Digest): string {
    return path.join(this.layerDir(chainId), 'diff');
  }

  /** This process's leases (a fake has no other processes). */
  private readonly leased = new Set<Digest>();

  /** The layer records and leases as they are now; calling what it returns puts them back (a rollback). */
  checkpoint(): () => void {
    const layers = [...this.layers];
    const leased = [...this.leased];
    return () => {
      this.layers.clear();
      for (const [c, l] of layers) this.layers.set(c, l);
      this.leased.clear();
      for (const c of leased) this.leased.add(c);
    };
  }

  get(chainId: Digest): LayerInfo | undefined {
    const l = this.layers.get(chainId);
    return l && { ...l.info };
  }

  mustGet(chainId: Digest): LayerInfo {
    const l = this.get(chainId);
    if (!l) throw notFound(`layer ${chainId} does not exist`);
    return l;
  }

  stack(top: Digest | null): LayerInfo[] {
    const out: LayerInfo[] = [];
    for (let c = top; c;) {
      const l = this.mustGet(c);
      out.unshift(l);
      c = l.parent;
    }
    return out;
  }

  list(): LayerInfo[] {
    return [...this.layers.values()].map((l) => ({ ...l.info }));
  }

  totalSize(): number {
    return this.list().reduce((n, l) => n + l.size, 0);
  }

  async register(
    source: AsyncIterable<Buffer>,
    parent: Digest | null,
    opts: { expectedDiffId?: Digest; sizeHint?: number } = {},
  ): Promise<LayerInfo> {
    const chunks: Buffer[] = [];
    for await (const c of source) chunks.push(Buffer.from(c));
    const tar = Buffer.concat(chunks);
    // the real store's size: bytes of regular files and symlinks, hard links once
    let size = 0;
    await readTar(once(tar), {
      entry(h) {
        if (h.type === 'file') size += h.size;
        else if (h.type === 'symlink') size += Buffer.byteLength(h.linkname);
      },
    });
    const diffId = sha256(tar);
    if (opts.expectedDiffId && diffId !== opts.expectedDiffId)
      throw invalidArgument(`invalid diffID: calculated ${diffId}, expected ${opts.expectedDiffId}`);
    const chainId = parent ? sha256(`${parent} ${diffId}`) : diffId;
    this.leased.add(chainId);
    const existing = this.get(chainId);
    if (existing) return existing;
    const info: LayerInfo = { chainId, diffId, parent, size, tarSize: tar.length };
    this.layers.set(chainId, { info, tar });
    return { ...info };
  }

  async *openTar(chainId: Digest): AsyncGenerator<Buffer> {
    const l = this.layers.get(chainId);
    if (!l) throw notFound(`layer ${chainId} does not exist`);
    yield Buffer.from(l.tar);
  }

  lease(chainId: Digest): boolean {
    if (!this.layers.has(chainId)) return false;
    this.leased.add(chainId);
    return true;
  }

  releaseLeases(): void {
    this.leased.clear();
  }

  gc(referencedTops: () => Iterable<Digest>): Digest[] {
    const live = new Set<Digest>();
    const mark = (c: Digest | null | undefined) => {
      for (; c && !live.has(c); c = this.layers.get(c)?.info.parent) live.add(c);
    };
    for (const t of referencedTops()) mark(t);
    for (const l of this.leased) mark(l);
    const removed = [...this.layers.keys()].filter((c) => !live.has(c));
    for (const c of removed) this.layers.delete(c);
    return removed;
  }
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}
