// What the services need of the container store: records found as Docker finds
// them (full ID, name, unique ID prefix), names checked, state changed under the
// write lock. ContainerStore (store.ts) keeps them in the metadata database,
// FakeContainerRecords (fake-records.ts) in memory.
import type { ContainerRecord, ContainerState } from './types';

export interface Container {
  record: ContainerRecord;
  state: ContainerState;
}

export interface ContainerRecords {
  /** Newest first. */
  list(): Container[];
  get(id: string): Container | undefined;
  /** Full ID, then name (a leading "/" allowed), then unique ID prefix: `not-found`, or `failed-precondition` when ambiguous. */
  find(idOrName: string): Container;
  /** Records a new container under `requestedName` (checked, `invalid-argument` or `conflict`) or a free random name. */
  insert(record: ContainerRecord, requestedName?: string): Container;
  rename(id: string, newName: string): void;
  updateRecord(id: string, fn: (r: ContainerRecord) => ContainerRecord): ContainerRecord;
  updateState(id: string, fn: (s: ContainerState, r: ContainerRecord) => ContainerState): ContainerState;
  /** Keeps the exit code of an auto-removed container for a late `wait`. */
  keepExitCode(id: string, code: number): void;
  removedExitCode(id: string): number | undefined;
  delete(id: string): void;
  /** Containers created from an image. */
  usersOf(imageId: string): Container[];
}
