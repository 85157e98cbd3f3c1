// What the container service works with, each through a small interface: its
// records, the images it runs, volumes, root filesystem holds, networking, the
// OCI runtime, and the liveness of the processes it started. storeParts() puts
// the real ones together over a Store; FakeContainerParts (fake-container-parts.ts)
// the in-memory fakes, for tests of the service's rules without root.
import path from 'node:path';
import { ContainerStore } from '../container/store';
import type { ContainerRecords } from '../container/records';
import { RootfsHolders, type RootfsMounts } from '../container/rootfs-holders';
import type { ImageRecords } from '../image/records';
import type { NetworkBackend } from '../network/backend';
import type { RuntimeConfig } from '../runtime/runc';
import { RuncRuntime, type Runtime } from '../runtime/runtime';
import { processStart } from '../util/proc';
import { VolumeStore } from '../volume/store';
import type { Volumes } from '../volume/volumes';
import { ContainerNetworking } from './container-network';
import type { Store } from './store';

/** A process's start time (clock ticks since boot), undefined once it is gone: with its pid, who it is. */
export interface Processes {
  start(pid: number): string | undefined;
}

export interface ContainerParts {
  /** The store's root (containers' files) and run root (bundles, exit files, runc's state). */
  readonly root: string;
  readonly runroot: string;
  readonly records: ContainerRecords;
  readonly images: Pick<ImageRecords, 'load'>;
  readonly volumes: Volumes;
  /** Who holds each container's root filesystem mounted. */
  readonly rootfsHolders: RootfsMounts;
  readonly networking: ContainerNetworking<NetworkBackend>;
  readonly processes: Processes;
  /** The runtime that runs containers of this configuration (runc at its binary and root). */
  runtimeFor(config: RuntimeConfig): Runtime;
  /** A fresh directory in the store's temporary area. */
  tmpDir(prefix: string): string;
  /** Removes layers nothing uses any more (a removed container's). */
  gc(): void;
}

/** The real parts: other services (volumes, networks, system check) use them as they are. */
export interface StoreParts extends ContainerParts {
  readonly volumes: VolumeStore;
  readonly rootfsHolders: RootfsHolders;
  readonly networking: ContainerNetworking;
}

/** A container's own directory in the store: its writable layer, /etc files, log. */
export const containerDirOf = (root: string, id: string) => path.join(root, 'containers', id);

export function storeParts(store: Store): StoreParts {
  const records = new ContainerStore(store.db);
  return {
    root: store.root,
    runroot: store.runroot,
    records,
    images: store.images,
    volumes: new VolumeStore(store.db, path.join(store.root, 'volumes')),
    rootfsHolders: new RootfsHolders(store.db, store.layers),
    networking: ContainerNetworking.onHost(store.root, store.runroot, records, (id) => containerDirOf(store.root, id)),
    processes: { start: processStart },
    runtimeFor: (config) => new RuncRuntime(config),
    tmpDir: (prefix) => store.tmpDir(prefix),
    gc: () => store.gc(),
  };
}
