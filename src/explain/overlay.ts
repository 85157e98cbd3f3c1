// The layers stacked as overlayfs stacks them, from their entries alone: each
// layer's own tree (later entries of a tar replace earlier ones, as unpacking
// does), then merged onto the view of the layers below, where whiteouts and
// opaque directories delete and any entry overwrites. Every copy of a file that
// no container can see any more is counted against the layer that shipped it.
// Cost: O(entries × path depth) time and O(entries) memory.
import type { LayerEntry } from './types';

const WHITEOUT = '.wh.';
const WHITEOUT_META = '.wh..wh.';
const OPAQUE = '.wh..wh..opq';

/** The bytes behind one or more names (hard links share one). */
export interface Inode {
  size: number;
  /** A regular file (not a symlink, device or fifo). */
  file: boolean;
  /** Index of the layer that holds it (0 = bottom). */
  layer: number;
  /** Names of it a container sees in the view built so far. */
  names: number;
  hiddenBy?: number;
}

export interface Leaf {
  kind: 'leaf';
  inode: Inode;
}

export interface Dir {
  kind: 'dir';
  children: Map<string, Node>;
  opaque: boolean;
}

interface Whiteout {
  kind: 'whiteout';
}

type Node = Dir | Leaf | Whiteout;

const newDir = (): Dir => ({ kind: 'dir', children: new Map(), opaque: false });
const WHITEOUT_NODE: Whiteout = { kind: 'whiteout' };

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

/** Bytes a name stands for, as Docker's layer size counts them: a symlink weighs its target's length. */
function bytesOf(e: LayerEntry): number {
  if (e.type === 'file') return e.size;
  if (e.type === 'symlink') return Buffer.byteLength(e.linkname);
  return 0;
}

function lookup(root: Dir, path: string): Node | undefined {
  let n: Node | undefined = root;
  for (const part of path.split('/')) {
    if (n?.kind !== 'dir') return undefined;
    n = n.children.get(part);
  }
  return n;
}

export interface LayerTree {
  root: Dir;
  /** Each inode of the layer once, with a path that names it (for "largest files"). */
  inodes: Array<{ inode: Inode; path: string }>;
  size: number;
}

/** One layer's own tree, as unpacking its tar leaves it. */
export function layerTree(entries: LayerEntry[], layer: number): LayerTree {
  const root = newDir();
  let lastParentPath: string | undefined;
  let lastParent = root;
  const parentDir = (p: string): Dir => {
    if (p === lastParentPath) return lastParent;
    let d = root;
    if (p !== '') {
      for (const part of p.split('/')) {
        let c = d.children.get(part);
        if (c?.kind !== 'dir') {
          c = newDir(); // implied by a deeper entry; a non-directory in the way is replaced
          d.children.set(part, c);
        }
        d = c;
      }
    }
    lastParentPath = p;
    lastParent = d;
    return d;
  };
  for (const e of entries) {
    const slash = e.path.lastIndexOf('/');
    const base = e.path.slice(slash + 1);
    const parent = parentDir(slash < 0 ? '' : e.path.slice(0, slash));
    if (base.startsWith(WHITEOUT)) {
      if (base === OPAQUE) parent.opaque = true;
      else if (!base.startsWith(WHITEOUT_META)) parent.children.set(base.slice(WHITEOUT.length), WHITEOUT_NODE);
      continue;
    }
    if (e.type === 'directory') {
      if (parent.children.get(base)?.kind !== 'dir') {
        parent.children.set(base, newDir());
        lastParentPath = undefined; // the cached parent may have been below the replaced node
      }
      continue;
    }
    let inode: Inode | undefined;
    if (e.type === 'link') {
      const target = lookup(root, e.linkname);
      if (target?.kind === 'leaf') inode = target.inode;
    }
    inode ??= { size: bytesOf(e), file: e.type === 'file', layer, names: 0 };
    if (parent.children.get(base)?.kind === 'dir') lastParentPath = undefined;
    parent.children.set(base, { kind: 'leaf', inode });
  }
  // what remains reachable is what the layer holds: each inode once
  const inodes: LayerTree['inodes'] = [];
  const seen = new Set<Inode>();
  let size = 0;
  const walk = (d: Dir, path: string) => {
    for (const [name, c] of d.children) {
      if (c.kind === 'dir') walk(c, join(path, name));
      else if (c.kind === 'leaf' && !seen.has(c.inode)) {
        seen.add(c.inode);
        size += c.inode.size;
        inodes.push({ inode: c.inode, path: `/${join(path, name)}` });
      }
    }
  };
  walk(root, '');
  return { root, inodes, size };
}

/** A copy of a path hidden from view: its bytes are waste. */
export interface HiddenCopy {
  path: string;
  inode: Inode;
  fate: 'overwritten' | 'deleted';
  by: number;
}

export interface LayerChanges {
  added: number;
  changed: number;
  deleted: number;
}

/** The merged view of the layers applied so far (what a container of them sees). */
export class OverlayView {
  readonly root = newDir();
  readonly hidden: HiddenCopy[] = [];
  readonly hiddenBytes: number[] = [];

  /** Puts one layer's tree on top; returns what it added, changed and deleted. */
  apply(tree: LayerTree, layer: number): LayerChanges {
    const changes = { added: 0, changed: 0, deleted: 0 };
    this.hiddenBytes[layer] ??= 0;
    this.merge(tree.root, this.root, '', layer, changes);
    return changes;
  }

  private merge(src: Dir, dst: Dir, path: string, layer: number, ch: LayerChanges): void {
    if (src.opaque) {
      for (const [name, c] of dst.children) this.hide(c, join(path, name), 'deleted', layer, ch);
      dst.children.clear();
    }
    for (const [name, c] of src.children) {
      const below = dst.children.get(name);
      const p = join(path, name);
      if (c.kind === 'whiteout') {
        if (below) {
          this.hide(below, p, 'deleted', layer, ch);
          dst.children.delete(name);
        }
      } else if (c.kind === 'dir') {
        let d: Dir;
        if (below?.kind === 'dir') d = below;
        else {
          if (below) this.hide(below, p, 'overwritten', layer, ch);
          d = newDir();
          dst.children.set(name, d);
        }
        this.merge(c, d, p, layer, ch);
      } else {
        if (below) {
          this.hide(below, p, below.kind === 'dir' ? 'deleted' : 'overwritten', layer, ch);
          ch.changed++;
        } else ch.added++;
        c.inode.names++;
        dst.children.set(name, c);
      }
    }
  }

  private hide(n: Node, path: string, fate: HiddenCopy['fate'], by: number, ch: LayerChanges): void {
    if (n.kind === 'dir') {
      for (const [name, c] of n.children) this.hide(c, join(path, name), 'deleted', by, ch);
      return;
    }
    if (n.kind !== 'leaf') return;
    if (fate === 'deleted') ch.deleted++;
    if (--n.inode.names > 0) return; // another name of it is still seen
    n.inode.hiddenBy = by;
    this.hiddenBytes[n.inode.layer] += n.inode.size;
    this.hidden.push({ path: `/${path}`, inode: n.inode, fate, by });
  }

  /** The leaf a container sees at a path ('/a/b'), if any. */
  leafAt(path: string): Leaf | undefined {
    const n = lookup(this.root, path.replace(/^\/+/, ''));
    return n?.kind === 'leaf' ? n : undefined;
  }
}
