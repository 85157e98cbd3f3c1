// `system check`: what a store and the host hold that nothing accounts for any
// more (a killed process's leftovers, a store removed by hand, files or rows
// lost on the way), each with the way to remove it. The store's part is listed
// under its write lock, so an operation in flight (a layer renamed into place
// before its row commits) is never taken for an orphan; the network layer
// brings its own (network/check.ts).
import fs from 'node:fs';
import path from 'node:path';
import { hex, type Digest } from '../digest';
import { stale } from '../container/rootfs-holders';
import { writeTx } from '../metadata/db';
import { MNT_DETACH, native } from '../native';
import type { Finding } from '../network/check';
import { netnsDir } from '../network/netns';
import { isAlive } from '../util/proc';
import type { ContainerService } from './containers';
import type { ImageService } from './images';
import type { Store } from './store';

export type { Finding } from '../network/check';

const unescapeMount = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

function mountTargets(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter(Boolean)
    .map(unescapeMount);
}

export class StoreCheck {
  constructor(
    private readonly store: Store,
    private readonly images: ImageService,
    private readonly containers: ContainerService,
  ) {}

  /** Everything found, in the order repairs must run (attachments before namespaces, images before layers). */
  async find(): Promise<Finding[]> {
    const all = this.containers.list();
    const running = new Set(all.filter((c) => ['running', 'paused'].includes(c.state.Status)).map((c) => c.record.id));
    const known = new Set(all.map((c) => c.record.id));
    const storage = writeTx(this.store.db, () => [
      ...this.layers(),
      ...this.blobs(),
      ...this.leases(),
      ...this.holders(running, known),
    ]);
    return [
      ...storage,
      ...this.mounts(running, known),
      ...this.tmp(),
      ...(await this.containers.networking.manager.check(running)),
    ];
  }

  /** Layer directories without a record, records without their files, short links astray. */
  private layers(): Finding[] {
    const out: Finding[] = [];
    const layers = this.store.layers;
    const rows = layers.list();
    const byHex = new Map(rows.map((r) => [hex(r.chainId), r]));
    for (const name of fs.readdirSync(layers.root)) {
      if (name === 'l' || byHex.has(name)) continue;
      const dir = path.join(layers.root, name);
      out.push({
        kind: 'layer',
        object: dir,
        problem: 'directory without a layer record',
        repair: () => fs.rmSync(dir, { recursive: true, force: true }),
      });
    }
    const damaged: Finding[] = [];
    for (const r of rows) {
      const dir = layers.layerDir(r.chainId);
      const lost = [layers.diffDir(r.chainId), layers.tarSplitPath(r.chainId)]
        .filter((p) => !fs.existsSync(p))
        .map((p) => path.relative(dir, p));
      if (lost.length === 0) continue;
      // the record goes once nothing references it (the images on it are removed first)
      damaged.push({
        kind: 'layer',
        object: r.chainId,
        problem: fs.existsSync(dir) ? `record without its ${lost.join(' and ')}` : 'record without its directory',
        repair: () => void this.store.gc(),
      });
    }
    if (damaged.length) {
      const bad = new Set(damaged.map((d) => d.object));
      const parentOf = new Map(rows.map((r) => [r.chainId, r.parent]));
      const onDamaged = (top: Digest | null) => {
        for (let c = top; c; c = parentOf.get(c) ?? null) if (bad.has(c)) return true;
        return false;
      };
      for (const img of this.store.images.list().filter((i) => onDamaged(i.topLayer))) {
        out.push({
          kind: 'image',
          object: img.id,
          problem: 'stands on a damaged layer',
          repair: () => this.removeImage(img.id),
        });
      }
      out.push(...damaged);
    }
    const links = path.join(layers.root, 'l');
    const shortOf = new Map(rows.map((r) => [layers.shortName(r.chainId), r]));
    for (const name of fs.readdirSync(links)) {
      const r = shortOf.get(name);
      if (r && fs.existsSync(path.join(links, name))) continue;
      const link = path.join(links, name);
      out.push({
        kind: 'layer',
        object: link,
        problem: r ? 'short link to nothing' : 'short link of no layer',
        repair: () => fs.rmSync(link, { force: true }),
      });
    }
    return out;
  }

  private removeImage(id: Digest): void {
    try {
      this.images.remove(id.slice(7), { force: true });
    } catch {
      /* a child image or a container still uses it: the recheck reports it again */
    }
  }

  /** Blobs (image configs) of no image, and images whose config is gone. */
  private blobs(): Finding[] {
    const out: Finding[] = [];
    const images = this.store.images.list();
    const ids = new Set(images.map((i) => hex(i.id)));
    const dir = path.dirname(this.store.blobs.path('sha256:0'));
    for (const name of fs.readdirSync(dir)) {
      if (ids.has(name)) continue;
      const file = path.join(dir, name);
      out.push({
        kind: 'blob',
        object: `sha256:${name}`,
        problem: 'referenced by no image',
        repair: () => fs.rmSync(file, { force: true }),
      });
    }
    for (const img of images) {
      if (this.store.blobs.has(img.id)) continue;
      out.push({
        kind: 'image',
        object: img.id,
        problem: 'its config blob is gone',
        repair: () => this.removeImage(img.id),
      });
    }
    return out;
  }

  /** Layer leases of processes that are gone. */
  private leases(): Finding[] {
    return this.store.layers
      .leases()
      .filter((l) => !isAlive({ pid: l.pid, start: l.start }))
      .map((l) => ({
        kind: 'lease',
        object: l.chainId,
        problem: `held by process ${l.pid}, which is gone`,
        repair: () => this.store.layers.dropLease(l),
      }));
  }

  /** Holds on a container's root filesystem by processes that are gone or runs that ended. */
  private holders(running: ReadonlySet<string>, known: ReadonlySet<string>): Finding[] {
    const holders = this.containers.rootfsHolders;
    return holders
      .all()
      .filter(
        (h) =>
          !known.has(h.containerId) || (h.holder.startsWith('pid:') ? stale(h.holder) : !running.has(h.containerId)),
      )
      .map((h) => ({
        kind: 'lease',
        object: `${h.containerId.slice(0, 12)} rootfs`,
        problem: h.holder.startsWith('pid:')
          ? `held by process ${h.holder.split(':')[1]}, which is gone`
          : known.has(h.containerId)
            ? 'held by a run that ended'
            : 'held for a container that is gone',
        repair: () => holders.forget(h.containerId, h.holder),
      }));
  }

  /** Mounts under the store no container or process accounts for. */
  private mounts(running: ReadonlySet<string>, known: ReadonlySet<string>): Finding[] {
    const out: Finding[] = [];
    const root = this.store.root;
    const tmp = path.join(root, 'tmp');
    const holds = this.containers.rootfsHolders.all();
    const ns = netnsDir(this.store.runroot);
    for (const target of mountTargets()) {
      let problem: string | undefined;
      if (target.startsWith(`${root}/`)) {
        if (target.startsWith(`${tmp}/`)) continue; // a temporary directory's (this.tmp)
        const m = /^containers\/([0-9a-f]{64})\/merged$/.exec(path.relative(root, target));
        if (!m) problem = 'mounted in the store by no one stowage knows';
        else if (!known.has(m[1])) problem = 'root filesystem of a container that is gone';
        else if (
          !running.has(m[1]) &&
          !holds.some((h) => h.containerId === m[1] && h.holder.startsWith('pid:') && !stale(h.holder))
        ) {
          problem = 'root filesystem of a container that is not running';
        }
      } else if (target.startsWith(`${this.store.runroot}/`) && target !== ns && !target.startsWith(`${ns}/`)) {
        problem = 'mounted in the run root by no one stowage knows';
      }
      if (!problem) continue;
      out.push({ kind: 'mount', object: target, problem, repair: () => this.unmount(target) });
    }
    return out;
  }

  private unmount(target: string): void {
    try {
      native.umount2(target, MNT_DETACH);
    } catch {
      /* gone meanwhile */
    }
  }

  /** Temporary files of processes that are gone. */
  private tmp(): Finding[] {
    return this.store.staleTmp().map((p) => ({
      kind: 'tmp',
      object: p,
      problem: 'left by a process that is gone',
      repair: () => this.store.removeTmp(p),
    }));
  }
}
