// The engine every front end drives (the CLI, the Engine API, the CRI): one
// store and the services over it, opened lazily so that `--help` and argument
// errors never touch the store. Each service's module is loaded when the
// service is first used (require() in its getter): a command that lists images
// does not load the container runtime, the network code or their Node.js modules.
import fs from 'node:fs';
import { CLI_PATH, FRONT_END_PATH } from '../util/paths';
import type { ContainerService } from './containers';
import type { ContainerReads } from './container-reads';
import type { ContainerLayers } from './commit';
import type { EventService } from './events';
import type { ExecService } from './exec-sessions';
import type { ImageService } from './images';
import type { NetworkService } from './networks';
import type { VolumeService } from './volumes';
import type { Store } from './store';
import { DEFAULT_ROOT, DEFAULT_RUNROOT } from './store-paths';

import { rootlessDefaults } from '../rootless';

export interface EngineConfig {
  root: string;
  runroot: string;
  runtime: string;
}

export class Engine {
  private store_?: Store;
  private images_?: ImageService;
  private containers_?: ContainerService;
  private containerReads_?: ContainerReads;
  private events_?: EventService;
  private networks_?: NetworkService;
  private volumes_?: VolumeService;
  private execs_?: ExecService;

  constructor(readonly globals: EngineConfig) {}

  get store(): Store {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.store_ ??= new (require('./store') as typeof import('./store')).Store({
      root: this.globals.root,
      runroot: this.globals.runroot,
    });
    return this.store_;
  }

  get events(): EventService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.events_ ??= new (require('./events') as typeof import('./events')).EventService(this.store.db);
    return this.events_;
  }

  get images(): ImageService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.images_ ??= new (require('./images') as typeof import('./images')).ImageService(
      this.store,
      (id) => this.imageUsers(id),
      this.events,
    );
    return this.images_;
  }

  get containers(): ContainerService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.containers_ ??= (require('./containers') as typeof import('./containers')).ContainerService.onStore(
      this.store,
      this.images,
      this.events,
      {
        runtime: this.globals.runtime,
        // conmon runs this when a container exits (`container cleanup`): the native front end when
        // built, which ends without starting Node.js when the attached process released the run
        selfCommand: fs.existsSync(FRONT_END_PATH) ? [FRONT_END_PATH] : [process.execPath, '--', CLI_PATH],
      },
    );
    return this.containers_;
  }

  /**
   * The read side of containers (find, list, state, paths, logs) without the
   * service's create, start and network code: what ps, inspect, logs and port use.
   * Recording an exit a read finds (rare: nobody was there to see it) loads the service.
   */
  get containerReads(): ContainerReads {
    if (this.containers_) return this.containers_.reads;
    if (!this.containerReads_) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
      const reads = require('./container-reads') as typeof import('./container-reads');
      this.containerReads_ = new reads.ContainerReads(reads.storeReadParts(this.store), (c, code, error) =>
        this.containers.recordExit(c, code, error),
      );
    }
    return this.containerReads_;
  }

  /** What commit and diff use of the containers, without the container service (see ContainerLayers). */
  get containerLayers(): ContainerLayers {
    if (this.containers_) return this.containers_;
    const reads = this.containerReads;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    const { runtimeConfig } = require('./container-reads') as typeof import('./container-reads');
    return {
      find: (idOrName) => reads.find(idOrName),
      rootfs: (id) => reads.rootfs(id),
      runtime: (runtimePath = this.globals.runtime) =>
        runtimeConfig(this.store.runroot, runtimePath, (prefix) => this.store.tmpDir(prefix)),
    };
  }

  get networks(): NetworkService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.networks_ ??= new (require('./networks') as typeof import('./networks')).NetworkService(this.containers);
    return this.networks_;
  }

  /** Exec sessions (the API's; the CLI runs its exec at once). */
  get execs(): ExecService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.execs_ ??= new (require('./exec-sessions') as typeof import('./exec-sessions')).ExecService(this.containers);
    return this.execs_;
  }

  get volumes(): VolumeService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    this.volumes_ ??= new (require('./volumes') as typeof import('./volumes')).VolumeService(this.containers);
    return this.volumes_;
  }

  /** How many containers use an image (the records alone: listing images does not load the container service). */
  imageUserCount(id: string): number {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy loading, see the top
    return new (require('../container/store') as typeof import('../container/store')).ContainerStore(
      this.store.db,
    ).usersOf(id).length;
  }

  /** Containers using an image, for rmi's conflict rules. */
  imageUsers(id: string): Array<{ id: string; running: boolean }> {
    return this.containers.usersOf(id);
  }

  /** Finishes what commands left running (network teardowns) and closes the store. */
  async close(): Promise<void> {
    if (this.containers_) {
      await this.containers_.flush();
      this.containers_.close();
    }
    this.store_?.close();
  }
}

/** Flags win over the environment, which wins over the defaults: root's, or an ordinary user's (rootless). */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const user = env.STOWAGE_ROOT && env.STOWAGE_RUNROOT ? undefined : rootlessDefaults(env);
  return {
    root: env.STOWAGE_ROOT || user?.root || DEFAULT_ROOT,
    runroot: env.STOWAGE_RUNROOT || user?.runroot || DEFAULT_RUNROOT,
    runtime: env.STOWAGE_RUNTIME || 'runc',
  };
}
