// What `image explain` reads (one entry per layer tar header) and what it
// reports. Layers are numbered from 1 at the bottom, as a reader counts them in
// the report's text, page and JSON alike.
import type { Digest } from '../digest';
import type { EntryType } from '../tar/header';

/** One tar header of a layer: no content, only what the header says. */
export interface LayerEntry {
  /** Cleaned path relative to the root ('a/b'); the root entry itself is dropped. */
  path: string;
  type: EntryType;
  /** The header's size: the content's length for regular files, 0 for all others. */
  size: number;
  /** A symlink's target as written; a hard link's target cleaned to a path from the layer root. */
  linkname: string;
}

/** A layer as explain takes it: its entries in tar order and what made it. */
export interface LayerInput {
  diffId: Digest;
  chainId: Digest;
  entries: LayerEntry[];
  createdBy: string;
  created?: string;
  comment?: string;
}

export interface LargeFile {
  path: string;
  size: number;
  /** Set when a later layer hides this copy: the layer that does. */
  hiddenBy?: number;
}

export interface LayerReport {
  /** 1 = the bottom layer. */
  number: number;
  diffId: Digest;
  chainId: Digest;
  createdBy: string;
  created?: string;
  comment?: string;
  /** Bytes of this layer as `images` and `history` count them (hard links once, symlinks by target length). */
  size: number;
  /** Bytes of this layer that later layers overwrite or delete: shipped, never seen. */
  hiddenBytes: number;
  /** Non-directories this layer adds, changes (a path below already had) and deletes (whiteouts, opaque directories). */
  added: number;
  changed: number;
  deleted: number;
  largest: LargeFile[];
  /** Other images (tags, or short IDs when untagged) that use this layer too. */
  sharedWith: string[];
}

export interface WastedCopy {
  layer: number;
  size: number;
  fate: 'overwritten' | 'deleted';
  /** The layer that overwrote or deleted it. */
  by: number;
}

export interface WastedPath {
  path: string;
  bytes: number;
  copies: WastedCopy[];
  /** The layer whose copy a container sees, if one does. */
  visibleIn?: number;
}

/** A directory of what a container sees, with its largest subdirectories. */
export interface DirSummary {
  name: string;
  path: string;
  size: number;
  /** The layer that contributes most of these bytes. */
  layer: number;
  children: DirSummary[];
}

export interface ExplainReport {
  image: { id: Digest; tags: string[]; source: 'store' | 'archive'; archive?: string };
  /** As `images` shows it: the sum of the layers' sizes. */
  size: number;
  /** What a container sees of those bytes. */
  visibleBytes: number;
  /** Bytes hidden by later layers: size = visibleBytes + wastedBytes. */
  wastedBytes: number;
  /** dive's efficiency score: sum of the smallest copy of each path over the sum of all copies. */
  efficiency: number;
  /** dive's "wasted" figure: all copies of every path found in two or more layers (an upper bound). */
  diveWastedBytes: number;
  /** Bytes of layers other images use too, and the rest (`system df -v`'s SHARED SIZE and UNIQUE SIZE). */
  sharedBytes: number;
  uniqueBytes: number;
  /** Non-directories a container sees. */
  files: number;
  layers: LayerReport[];
  /** The paths that waste most, largest first (at most `WASTE_LISTED`). */
  waste: WastedPath[];
  /** How many paths waste anything at all. */
  wastedPaths: number;
  tree: DirSummary;
}
