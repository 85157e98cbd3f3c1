// What every command gets: output streams, global options, and the services,
// opened lazily so `--help` and argument errors never touch the store.
import { CLI_PATH } from '../util/paths';
import { ContainerService } from '../engine/containers';
import { DEFAULT_ROOT, DEFAULT_RUNROOT, Store } from '../engine/store';
import { ImageService } from '../engine/images';

export interface GlobalOptions {
  root: string;
  runroot: string;
  runtime: string;
  logLevel: string;
}

export class Ctx {
  private store_?: Store;
  private images_?: ImageService;
  private containers_?: ContainerService;

  constructor(
    readonly globals: GlobalOptions,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    readonly stdin: NodeJS.ReadStream = process.stdin,
  ) {}

  out(s: string): void {
    this.stdout.write(s);
  }

  err(s: string): void {
    this.stderr.write(s);
  }

  get store(): Store {
    this.store_ ??= new Store({ root: this.globals.root, runroot: this.globals.runroot });
    return this.store_;
  }

  get images(): ImageService {
    this.images_ ??= new ImageService(this.store, (id) => this.imageUsers(id));
    return this.images_;
  }

  get containers(): ContainerService {
    this.containers_ ??= new ContainerService(this.store, this.images, {
      runtime: this.globals.runtime,
      // conmon runs this when a container exits (`container cleanup`)
      selfCommand: [process.execPath, '--', CLI_PATH],
    });
    return this.containers_;
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

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return {
    root: env.STOWAGE_ROOT || DEFAULT_ROOT,
    runroot: env.STOWAGE_RUNROOT || DEFAULT_RUNROOT,
    runtime: env.STOWAGE_RUNTIME || 'runc',
    logLevel: 'info',
  };
}
