// Container records in memory, for services tested without a database (see
// records-contract.ts, which holds it to ContainerStore's behaviour).
import { conflict, invalidArgument, StowageError, internal } from '../errdefs';
import { isValidName, randomName } from './names';
import type { ContainerRecords } from './records';
import { NoSuchContainerError, type Container } from './store';
import { initialState, type ContainerRecord, type ContainerState } from './types';

// stored as JSON, as the real store keeps them: callers never share objects with it
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

export class FakeContainerRecords implements ContainerRecords {
  private readonly rows = new Map<string, Container>();
  private readonly exits = new Map<string, number>();

  list(): Container[] {
    return [...this.rows.values()]
      .sort((a, b) => (a.record.created < b.record.created ? 1 : a.record.created > b.record.created ? -1 : 0))
      .map(copy);
  }

  get(id: string): Container | undefined {
    const c = this.rows.get(id);
    return c && copy(c);
  }

  find(idOrName: string): Container {
    const byId = this.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^\//, '');
    const byName = [...this.rows.values()].find((c) => c.record.name === name);
    if (byName) return copy(byName);
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const found = [...this.rows.values()].filter((c) => c.record.id.startsWith(idOrName));
      if (found.length === 1) return copy(found[0]);
      if (found.length > 1)
        throw new StowageError('failed-precondition', `multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new NoSuchContainerError(idOrName);
  }

  insert(record: ContainerRecord, requestedName?: string): Container {
    let name = requestedName?.replace(/^\//, '');
    if (name !== undefined) {
      if (!isValidName(name))
        throw invalidArgument(`Invalid container name (${requestedName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      this.checkNameFree(name);
    } else {
      for (let i = 0; ; i++) {
        name = randomName(i > 3 ? i : 0);
        if (!this.nameOwner(name)) break;
      }
    }
    if (this.rows.has(record.id)) throw internal(`UNIQUE constraint failed: containers.id`); // as the table's key
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- both branches above set it
    record.name = name!;
    const c = { record, state: initialState() };
    this.rows.set(record.id, copy(c));
    return c;
  }

  private nameOwner(name: string): string | undefined {
    return [...this.rows.values()].find((c) => c.record.name === name)?.record.id;
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
    const c = this.rows.get(id);
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
  }

  updateRecord(id: string, fn: (r: ContainerRecord) => ContainerRecord): ContainerRecord {
    const c = this.get(id);
    if (!c) throw new NoSuchContainerError(id);
    const next = fn(c.record);
    this.rows.set(id, { record: copy(next), state: c.state });
    return next;
  }

  updateState(id: string, fn: (s: ContainerState, r: ContainerRecord) => ContainerState): ContainerState {
    const c = this.get(id);
    if (!c) throw new NoSuchContainerError(id);
    const next = fn(c.state, c.record);
    this.rows.set(id, { record: c.record, state: copy(next) });
    return next;
  }

  keepExitCode(id: string, code: number): void {
    this.exits.set(id, code);
  }

  removedExitCode(id: string): number | undefined {
    return this.exits.get(id);
  }

  delete(id: string): void {
    this.rows.delete(id);
  }

  usersOf(imageId: string): Container[] {
    return [...this.rows.values()].filter((c) => c.record.imageId === imageId).map(copy);
  }
}
