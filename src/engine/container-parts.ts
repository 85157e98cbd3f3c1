// What the container service works with, each through a small interface: its
// records, the images it runs, volumes, root filesystem holds, networking, the
// OCI runtime, and the liveness of the processes it started (the read side's
// parts, container-reads.ts, are the first of these). storeParts() puts
// the real ones together over a Store; FakeContainerParts (fake-container-parts.ts)
// the in-memory fakes, for tests of the service's rules without root.
import path from 'node:path';
import { RootfsHolders, type RootfsMounts } from '../container/rootfs-holders';
import type { ImageRecords } from '../image/records';
import type { NetworkBackend } from '../network/backend';
import type { RuntimeConfig } from '../runtime/runc';
import { RuncRuntime, type Runtime } from '../runtime/runtime';
import { VolumeStore } from '../volume/store';
import type { Volumes } from '../volume/volumes';
import { ContainerNetworking } from './container-network';
import type { Store } from './store';
import { containerDirOf, storeReadParts, type ContainerReadParts } from './container-reads';

export interface ContainerParts extends ContainerReadParts {
  readonly images: Pick<ImageRecords, 'load'>;
  readonly volumes: Volumes;
  /** Who holds each container's root filesystem mounted. */
  readonly rootfsHolders: RootfsMounts;
  readonly networking: ContainerNetworking<NetworkBackend>;
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

export function storeParts(store: Store): StoreParts {
  const read = storeReadParts(store);
  const { records } = read;
  return {
    ...read,
    images: store.images,
    volumes: new VolumeStore(store.db, path.join(store.root, 'volumes')),
    rootfsHolders: new RootfsHolders(store.db, store.layers),
    networking: ContainerNetworking.onHost(store.root, store.runroot, records, (id) => containerDirOf(store.root, id)),
    runtimeFor: (config) => new RuncRuntime(config),
    tmpDir: (prefix) => store.tmpDir(prefix),
    gc: () => store.gc(),
  };
}
