// The remotecommand protocol (exec and attach) over SPDY, as the kubelet's
// server speaks it (k8s.io/kubelet/pkg/cri/streaming/remotecommand): the
// client opens an error stream, then stdin, stdout, stderr and, with a
// terminal, a resize stream of JSON sizes; when the command ends the server
// writes its status on the error stream (v4: a metav1.Status, with the exit
// code of a failed command; before v4: the error's text) and closes them all.
import type { SpdyConnection, SpdyStream } from './spdy';

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface RemoteStreams {
  error: SpdyStream;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  resize?: SpdyStream;
}

/** Resizes come before the terminal exists sometimes: the latest one is kept. */
export type ResizeHandler = (size: { width: number; height: number }) => void;

/** A command that exited non-zero (its code goes to the client as v4's NonZeroExitCode). */
export class ExitCodeError extends Error {
  constructor(
    readonly code: number,
    cmd: string[],
  ) {
    super(
      `command terminated with non-zero exit code: error executing command ${JSON.stringify(cmd)}, exit code ${code}`,
    );
  }
}

const STREAM_TYPES = new Set(['error', 'stdin', 'stdout', 'stderr', 'resize']);

/** Waits for the streams the options call for (the kubelet's count); rejects after timeoutMs. */
export function collectStreams(
  conn: SpdyConnection,
  opts: RemoteCommandOptions,
  protocol: string,
  timeoutMs = 30_000,
): Promise<RemoteStreams> {
  const resizable = opts.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io';
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr && !opts.tty) + Number(resizable);
  const got: Partial<RemoteStreams> = {};
  let count = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('timed out waiting for the client to create streams')), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      conn.off('stream', onStream);
      conn.off('close', onClose);
      if (err) reject(err);
      else resolve(got as RemoteStreams);
    };
    const onStream = (s: SpdyStream) => {
      const type = s.headers.streamtype;
      if (!STREAM_TYPES.has(type) || got[type as keyof RemoteStreams]) {
        s.reset(); // unknown or twice
        return;
      }
      got[type as keyof RemoteStreams] = s;
      if (++count === expected) done(got.error ? undefined : new Error('no error stream'));
    };
    const onClose = () => done(new Error('the connection closed before the streams were created'));
    conn.on('stream', onStream);
    conn.on('close', onClose);
  });
}

/** Calls `onResize` for each size the client sends on its resize stream ({"Width":..,"Height":..} lines). */
export function readResizes(stream: SpdyStream | undefined, onResize: ResizeHandler): void {
  if (!stream) return;
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        const size = JSON.parse(line) as { Width?: number; Height?: number };
        if (size.Width && size.Height) onResize({ width: size.Width, height: size.Height });
      } catch {
        // not a size: ignored, as the kubelet ignores it
      }
    }
  });
  stream.resume();
}

/** The status the error stream carries when the command is over. */
export function statusMessage(protocol: string, err?: unknown): string | undefined {
  if (protocol === 'v4.channel.k8s.io') {
    if (!err) return JSON.stringify({ metadata: {}, status: 'Success' });
    if (err instanceof ExitCodeError) {
      return JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: err.message,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(err.code) }] },
      });
    }
    return JSON.stringify({
      metadata: {},
      status: 'Failure',
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a rejection that is no Error is printed as it is
      message: (err as Error).message ?? String(err),
    });
  }
  if (!err) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a rejection that is no Error is printed as it is
  return (err as Error).message ?? String(err);
}

/**
 * A remotecommand session: the streams collected, `run` given them, its outcome
 * written on the error stream, and every stream closed.
 */
export async function remoteCommand(
  conn: SpdyConnection,
  protocol: string,
  opts: RemoteCommandOptions,
  run: (streams: RemoteStreams) => Promise<void>,
): Promise<void> {
  const streams = await collectStreams(conn, opts, protocol);
  let failure: unknown;
  try {
    await run(streams);
  } catch (e) {
    failure = e;
  }
  const msg = statusMessage(protocol, failure);
  if (msg) streams.error.write(msg);
  for (const s of [streams.stdout, streams.stderr, streams.error, streams.stdin, streams.resize]) s?.end();
  // the client closes the connection once it has read everything
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 5000);
    t.unref();
    conn.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
