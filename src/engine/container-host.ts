// What the helpers of ContainerService (its keeper, its start context, exec's
// process) use of it. They take this interface, not the class, so that they do
// not import containers.ts, which imports them.
import type { Container, ContainerRecords } from '../container/records';
import type { RootfsPaths } from '../container/rootfs';
import type { ContainerPaths } from '../runtime/conmon';
import type { RuntimeConfig } from '../runtime/runc';

export interface ContainerHost {
  readonly records: ContainerRecords;
  /** The store's database file (the container keeper writes to it). */
  readonly dbPath: string;
  containerDir(id: string): string;
  rootfs(id: string): RootfsPaths;
  paths(id: string): ContainerPaths;
  runtime(runtimePath?: string): RuntimeConfig;
  find(idOrName: string): Container;
}
