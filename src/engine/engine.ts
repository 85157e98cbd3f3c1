// The engine every front end drives (the CLI, the Engine API, the CRI): one
// store and the services over it, opened lazily so that `--help` and argument
// errors never touch the store.
import { CLI_PATH } from '../util/paths';
import { ContainerService } from './containers';
import { EventService } from './events';
import { ExecService } from './exec-sessions';
import { ImageService } from './images';
import { NetworkService } from './networks';
import { VolumeService } from './volumes';
import { DEFAULT_ROOT, DEFAULT_RUNROOT, Store } from './store';

export interface EngineConfig {
  root: string;
  runroot: string;
  runtime: string;
}

export class Engine {
  private store_?: Store;
  private images_?: ImageService;
  private containers_?: ContainerService;
  private events_?: EventService;
  private networks_?: NetworkService;
  private volumes_?: VolumeService;
  private execs_?: ExecService;

  constructor(readonly globals: EngineConfig) {}

  get store(): Store {
    this.store_ ??= new Store({ root: this.globals.root, runroot: this.globals.runroot });
    return this.store_;
  }

  get events(): EventService {
    this.events_ ??= new EventService(this.store.db);
    return this.events_;
  }

  get images(): ImageService {
    this.images_ ??= new ImageService(this.store, (id) => this.imageUsers(id), this.events);
    return this.images_;
  }

  get containers(): ContainerService {
    this.containers_ ??= new ContainerService(this.store, this.images, this.events, {
      runtime: this.globals.runtime,
      // conmon runs this when a container exits (`container cleanup`)
      selfCommand: [process.execPath, '--', CLI_PATH],
    });
    return this.containers_;
  }

  get networks(): NetworkService {
    this.networks_ ??= new NetworkService(this.containers);
    return this.networks_;
  }

  /** Exec sessions (the API's; the CLI runs its exec at once). */
  get execs(): ExecService {
    this.execs_ ??= new ExecService(this.containers);
    return this.execs_;
  }

  get volumes(): VolumeService {
    this.volumes_ ??= new VolumeService(this.containers);
    return this.volumes_;
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

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  return {
    root: env.STOWAGE_ROOT || DEFAULT_ROOT,
    runroot: env.STOWAGE_RUNROOT || DEFAULT_RUNROOT,
    runtime: env.STOWAGE_RUNTIME || 'runc',
  };
}
