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
    return this.streams.stderr ?? processStderr();
  }

  get stdin(): NodeJS.ReadStream {
    return this.streams.stdin ?? process.stdin;
  }

  out(s: string): void {
    if (this.streams.stdout || stdoutStream) this.stdout.write(s);
    else writeStdoutSync(s);
  }

  err(s: string): void {
    if (this.streams.stderr || stderrStream) this.stderr.write(s);
    else writeSync(2, s, processStderr);
  }
}

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return { ...defaultConfig(env), logLevel: 'info' };
}

// Until a command asks for the stdout (stderr) stream, its output is written to
// fd 1 (2) directly: making process.stdout loads Node.js's stream modules, and
// node:net for a pipe (a few ms of every `ps`, `images` or `logs`). Once the
// stream exists all output goes through it, so nothing is reordered.
let stdoutStream = false;
let stderrStream = false;
let wrote = false;

/** process.stdout, made on first use; a closed pipe on it ends the command quietly, as for any Unix tool. */
export function processStdout(): NodeJS.WriteStream {
  if (!stdoutStream) {
    stdoutStream = wrote = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
    });
  }
  return process.stdout;
}

/** process.stderr, through Ctx (see above). */
function processStderr(): NodeJS.WriteStream {
  stderrStream = wrote = true;
  return process.stderr;
}

/** Whether this process wrote to its stdout or stderr through the functions here (or made their streams). */
export function outputStarted(): boolean {
  return wrote;
}

/** Whether process.stdout was made (then it may hold output not yet written). */
export function stdoutStreamMade(): boolean {
  return stdoutStream;
}

/** Writes to fd 1; a non-blocking pipe that is full sends the rest through the stream. */
export function writeStdoutSync(s: string): void {
  writeSync(1, s, processStdout);
}

/** Writes to `fd`; a non-blocking pipe that is full sends the rest through its stream (made by `stream`). */
function writeSync(fd: number, s: string, stream: () => NodeJS.WriteStream): void {
  wrote = true;
  const b = Buffer.from(s);
  let off = 0;
  try {
    while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code !== 'EAGAIN') throw e;
    stream().write(b.subarray(off));
  }
}
