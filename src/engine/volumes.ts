// Volumes as the Docker engine serves them: list with filters, inspect in
// Docker's shape, create, remove (refused while a container uses one) and
// prune; each change recorded as an event.
import { invalidArgument, notFound } from '../errdefs';
import type { Volume, VolumeStore } from '../volume/store';
import type { ContainerService } from './containers';
import { boolFilter, labelMatches, type Filters } from './filters';

export const VOLUME_LIST_FILTERS = ['dangling', 'name', 'label', 'driver'];
export const VOLUME_PRUNE_FILTERS = ['label', 'label!', 'all'];

export class VolumeService {
  constructor(private readonly containers: ContainerService) {}

  private get store(): VolumeStore {
    return this.containers.volumes;
  }

  list(filters: Filters = new Map()): Volume[] {
    const dangling = boolFilter(filters.get('dangling'), 'dangling');
    return this.store
      .list()
      .filter(
        (v) =>
          (dangling === undefined || (this.users(v.name).length === 0) === dangling) &&
          (filters.get('name')?.some((n) => v.name.includes(n)) ?? true) &&
          (filters.get('driver')?.includes('local') ?? true) &&
          labelMatches(filters.get('label'), v.labels),
      );
  }

  find(name: string): Volume {
    return this.store.mustGet(name);
  }

  /** Docker's volume.Volume (with UsageData when asked, as `system df -v` shows). */
  inspect(v: Volume, usage = false): Record<string, unknown> {
    return {
      CreatedAt: v.createdAt,
      Driver: 'local',
      Labels: v.labels,
      Mountpoint: v.mountpoint,
      Name: v.name,
      Options: {},
      Scope: 'local',
      ...(usage ? { UsageData: { Size: this.store.size(v.name), RefCount: this.users(v.name).length } } : {}),
    };
  }

  /** IDs of the containers that mount a volume. */
  users(name: string): string[] {
    return this.containers.volumeUsers(name);
  }

  create(
    name: string | undefined,
    opts: { driver?: string; labels?: Record<string, string>; driverOpts?: Record<string, string> } = {},
  ): Volume {
    const driver = opts.driver || 'local';
    if (driver !== 'local') throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    if (opts.driverOpts && Object.keys(opts.driverOpts).length) {
      // the local driver's options mount a filesystem (type=, device=, o=): not done here
      throw invalidArgument(
        `create ${name ?? ''}: volume options are not supported by stowage's local driver: ${Object.keys(opts.driverOpts).join(', ')}`,
      );
    }
    const existed = name !== undefined && !!this.store.get(name);
    const v = this.store.create(name, { labels: opts.labels });
    if (!existed) this.containers.events.volume(v.name, 'create');
    return v;
  }

  remove(name: string, force = false): void {
    const existed = !!this.store.get(name);
    this.store.remove(name, this.users(name), force);
    if (existed) this.containers.events.volume(name, 'destroy');
  }

  /**
   * Removes unused volumes: anonymous ones, or all with `all` (API 1.42's
   * `all` filter; API 1.41, Docker 20.10's, prunes named ones too).
   */
  prune(filters: Filters = new Map(), all = false): { removed: string[]; reclaimed: number } {
    const removed: string[] = [];
    let reclaimed = 0;
    const everyUnused = all || boolFilter(filters.get('all'), 'all') === true;
    for (const v of this.store.list()) {
      if ((!everyUnused && !v.anonymous) || this.users(v.name).length) continue;
      if (!labelMatches(filters.get('label'), v.labels)) continue;
      if ((filters.get('label!') ?? []).some((l) => labelMatches([l], v.labels))) continue;
      reclaimed += this.store.size(v.name);
      this.remove(v.name);
      removed.push(v.name);
    }
    return { removed, reclaimed };
  }
}
