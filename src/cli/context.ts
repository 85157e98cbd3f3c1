// What every command gets: output streams, global options, and the services,
// opened lazily so `--help` and argument errors never touch the store.
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

  /** Containers using an image (filled in by the container service). */
  imageUsers(id: string): Array<{ id: string; running: boolean }> {
    void id;
    return [];
  }

  close(): void {
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
