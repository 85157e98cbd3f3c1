// The portforward protocol over SPDY, as the kubelet serves it
// (k8s.io/kubelet/pkg/cri/streaming/portforward/httpstream.go): for each
// connection the client opens a pair of streams, "error" and "data", with the
// same "requestid" and the pod's "port"; the server connects to that port in
// the pod and copies both ways; a failure is written on the error stream.
import type { Duplex } from 'node:stream';
import type { SpdyConnection, SpdyStream } from './spdy';

/** A connection to the pod's port; an 'error' on it is reported to the client. */
export type Dialer = (port: number) => Promise<Duplex>;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

function forward(pair: Required<Pair>, dial: Dialer, describe: (port: number) => string): void {
  const port = Number(pair.data.headers.port);
  const finish = (message?: string) => {
    if (message) pair.error.write(message);
    pair.error.end();
    pair.data.end();
  };
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    finish(`invalid port: ${JSON.stringify(pair.data.headers.port ?? '')}`);
    return;
  }
  pair.error.resume(); // the client sends nothing on it
  dial(port).then(
    (sock) => {
      let closed = false;
      const close = (message?: string) => {
        if (closed) return;
        closed = true;
        if (message) pair.error.write(message);
        pair.error.end();
        if (!pair.data.writableEnded) pair.data.end();
        sock.destroy();
      };
      pair.data.pipe(sock); // the client's FIN ends our writing side
      pair.data.on('error', () => sock.destroy());
      sock.on('data', (d: Buffer) => {
        if (!pair.data.write(d)) {
          sock.pause();
          pair.data.once('drain', () => sock.resume());
        }
      });
      sock.on('end', () => {
        if (!pair.data.writableEnded) pair.data.end();
      });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        // one side of the copy ending first is how a connection ends, not a failure
        if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'EPIPE' || err.code === 'ECONNRESET') {
          close();
          return;
        }
        close(`error forwarding port ${port} to pod ${describe(port)}: ${err.message}`);
      });
      sock.on('close', () => close());
    },
    (err: unknown) => finish(`error forwarding port ${port} to pod ${describe(port)}: ${(err as Error).message}`),
  );
}

/** Serves port forwarding on the connection until it closes. */
export function portForward(conn: SpdyConnection, dial: Dialer, describe: (port: number) => string): Promise<void> {
  const pairs = new Map<string, Pair>();
  conn.on('stream', (s: SpdyStream) => {
    const type = s.headers.streamtype;
    if (type !== 'error' && type !== 'data') {
      s.reset();
      return;
    }
    const id = s.headers.requestid ?? String(type === 'error' ? s.id : s.id - 2);
    const pair = pairs.get(id) ?? {};
    if (pair[type]) {
      s.reset();
      return;
    }
    pair[type] = s;
    pairs.set(id, pair);
    if (pair.error && pair.data) {
      pairs.delete(id);
      forward(pair as Required<Pair>, dial, describe);
    }
  });
  return new Promise((resolve) => conn.once('close', resolve));
}
