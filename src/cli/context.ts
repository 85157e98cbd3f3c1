// What every command gets: the engine's services, output streams and the
// global options.
import { defaultConfig, Engine, type EngineConfig } from '../engine/engine';

export interface GlobalOptions extends EngineConfig {
  logLevel: string;
}

export class Ctx extends Engine {
  constructor(
    override readonly globals: GlobalOptions,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    readonly stdin: NodeJS.ReadStream = process.stdin,
  ) {
    super(globals);
  }

  out(s: string): void {
    this.stdout.write(s);
  }

  err(s: string): void {
    this.stderr.write(s);
  }
}

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return { ...defaultConfig(env), logLevel: 'info' };
}
