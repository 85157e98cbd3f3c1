// What every command gets: the engine's services, output streams and the
// global options.
import fs from 'node:fs';
import { defaultConfig, Engine, type EngineConfig } from '../engine/engine';

export interface GlobalOptions extends EngineConfig {
  logLevel: string;
}

export class Ctx extends Engine {
  constructor(
    override readonly globals: GlobalOptions,
    private readonly streams: {
      stdout?: NodeJS.WriteStream;
      stderr?: NodeJS.WriteStream;
      stdin?: NodeJS.ReadStream;
    } = {},
  ) {
    super(globals);
  }

  // process.stdin and friends are made on first use: making stdin loads Node.js's
  // stream and readline modules, which a command that never reads it need not pay for
  get stdout(): NodeJS.WriteStream {
    return this.streams.stdout ?? processStdout();
  }

  get stderr(): NodeJS.WriteStream {
    return this.streams.stderr ?? process.stderr;
  }

  get stdin(): NodeJS.ReadStream {
    return this.streams.stdin ?? process.stdin;
  }

  out(s: string): void {
    if (this.streams.stdout || stdoutStream) this.stdout.write(s);
    else writeStdoutSync(s);
  }

  err(s: string): void {
    this.stderr.write(s);
  }
}

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return { ...defaultConfig(env), logLevel: 'info' };
}

// Until a command asks for the stdout stream, its output is written to fd 1
// directly: making process.stdout loads Node.js's stream modules (a few ms of
// every `ps` or `images`). Once the stream exists all output goes through it, so
// nothing is reordered.
let stdoutStream = false;

/** process.stdout, made on first use; a closed pipe on it ends the command quietly, as for any Unix tool. */
export function processStdout(): NodeJS.WriteStream {
  if (!stdoutStream) {
    stdoutStream = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
    });
  }
  return process.stdout;
}

/** Whether process.stdout was made (then it may hold output not yet written). */
export function stdoutStreamMade(): boolean {
  return stdoutStream;
}

/** Writes to fd 1; a non-blocking pipe that is full sends the rest through the stream. */
export function writeStdoutSync(s: string): void {
  const b = Buffer.from(s);
  let off = 0;
  try {
    while (off < b.length) off += fs.writeSync(1, b, off, b.length - off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code !== 'EAGAIN') throw e;
    processStdout().write(b.subarray(off));
  }
}
