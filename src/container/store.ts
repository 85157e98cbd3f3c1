// Container records in the metadata database, found as Docker finds them:
// full ID, name, or unique ID prefix.
import { conflict, invalidArgument, StowageError } from '../errdefs';
import { ContainerTable, type ContainerRow } from '../metadata/containers';
import { type DB, writeTx } from '../metadata/db';
import { isValidName, randomName } from './names';
import type { Container, ContainerRecords } from './records';
import { initialState, type ContainerRecord, type ContainerState } from './types';

export type { Container } from './records';

const toContainer = (r: ContainerRow): Container => ({
  record: JSON.parse(r.config) as ContainerRecord,
  state: JSON.parse(r.state) as ContainerState,
});

export class NoSuchContainerError extends StowageError {
  constructor(what: string) {
    super('not-found', `No such container: ${what}`);
  }
}

export class ContainerStore implements ContainerRecords {
  private readonly rows: ContainerTable;

  constructor(private readonly db: DB) {
    this.rows = new ContainerTable(db);
  }

  list(): Container[] {
    return this.rows.list().map(toContainer);
  }

  get(id: string): Container | undefined {
    const r = this.rows.get(id);
    return r && toContainer(r);
  }

  /** Full ID, then name, then unique ID prefix (moby's GetContainer order). */
  find(idOrName: string): Container {
    const byId = this.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^\//, '');
    const byName = this.rows.byName(name);
    if (byName) return toContainer(byName);
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const rows = this.rows.byIdPrefix(idOrName);
      if (rows.length === 1) return toContainer(rows[0]);
      if (rows.length > 1)
        throw new StowageError('failed-precondition', `multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new NoSuchContainerError(idOrName);
  }

  /** Inserts a new container, checking the name as Docker does (or picking a free random one). */
  insert(record: ContainerRecord, requestedName?: string): Container {
    return writeTx(this.db, () => {
      let name = requestedName?.replace(/^\//, '');
      if (name !== undefined) {
        if (!isValidName(name))
          throw invalidArgument(
            `Invalid container name (${requestedName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
          );
        this.checkNameFree(name);
      } else {
        for (let i = 0; ; i++) {
          name = randomName(i > 3 ? i : 0);
          if (!this.nameOwner(name)) break;
        }
      }
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- both branches above set it
      record.name = name!;
      const state = initialState();
      this.rows.insert({
        id: record.id,
        name: record.name,
        imageId: record.imageId,
        createdAt: record.created,
        config: JSON.stringify(record),
        state: JSON.stringify(state),
      });
      return { record, state };
    });
  }

  private nameOwner(name: string): string | undefined {
    return this.rows.byName(name)?.id;
  }

  private checkNameFree(name: string): void {
    const owner = this.nameOwner(name);
    if (owner) {
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  rename(id: string, newName: string): void {
    writeTx(this.db, () => {
      const c = this.get(id);
      if (!c) throw new NoSuchContainerError(id);
      const name = newName.replace(/^\//, '');
      if (!isValidName(name))
        throw invalidArgument(
          `Error when allocating new name: Invalid container name (/${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
        );
      if (c.record.name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      try {
        this.checkNameFree(name);
      } catch (e) {
        throw conflict(`Error when allocating new name: ${(e as Error).message}`);
      }
      c.record.name = name;
      this.rows.rename(id, name, JSON.stringify(c.record));
    });
  }

  /** Changes the record under the write lock (`network connect`/`disconnect`); `fn` returns the new one. */
  updateRecord(id: string, fn: (r: ContainerRecord) => ContainerRecord): ContainerRecord {
    return writeTx(this.db, () => {
      const c = this.get(id);
      if (!c) throw new NoSuchContainerError(id);
      const next = fn(c.record);
      this.rows.setConfig(id, JSON.stringify(next));
      return next;
    });
  }

  /** Changes state under the write lock; `fn` sees the current state and returns the new one. */
  updateState(id: string, fn: (s: ContainerState, r: ContainerRecord) => ContainerState): ContainerState {
    return writeTx(this.db, () => {
      const c = this.get(id);
      if (!c) throw new NoSuchContainerError(id);
      const next = fn(c.state, c.record);
      this.rows.setState(id, JSON.stringify(next));
      return next;
    });
  }

  /** Keeps the exit code of an auto-removed container for a late `wait` (a few minutes). */
  keepExitCode(id: string, code: number): void {
    const now = Date.now();
    writeTx(this.db, () => this.rows.keepExitCode(id, code, now, now - 300_000));
  }

  /** The exit code kept for a removed container, if any. */
  removedExitCode(id: string): number | undefined {
    return this.rows.removedExitCode(id);
  }

  delete(id: string): void {
    this.rows.delete(id);
  }

  usersOf(imageId: string): Container[] {
    return this.rows.byImage(imageId).map(toContainer);
  }
}
