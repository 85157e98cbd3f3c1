// A grpc-js server on a unix socket for handler tables: each RPC is an async
// function from the request object to the response object; a thrown error
// becomes its gRPC status (status.ts). RPCs without a handler answer Unimplemented.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { AuthorityFix } from './h2-authority';
import { grpcStatus } from './status';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (req: any, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<unknown>;
export type Handlers = Record<string, Handler>;

export interface Logger {
  debug(msg: string): void;
  error(msg: string): void;
}

function unary(name: string, fn: Handler, log: Logger): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const started = Date.now();
    fn(call.request, call).then(
      (res) => {
        log.debug(`${name} ok in ${Date.now() - started} ms`);
        callback(null, res);
      },
      (err: unknown) => {
        const st = grpcStatus(err);
        log.debug(`${name} failed in ${Date.now() - started} ms: ${grpc.status[st.code]}: ${st.details}`);
        callback({ code: st.code, details: st.details });
      },
    );
  };
}

/** grpc-js implementations of a service's methods: the handlers given, Unimplemented for the rest. */
export function implementation(
  service: grpc.ServiceDefinition,
  handlers: Handlers,
  log: Logger,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service)) {
    const fn = handlers[name];
    if (method.requestStream || method.responseStream) {
      impl[name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented` });
      };
      continue;
    }
    impl[name] = fn
      ? unary(name, fn, log)
      : (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
          callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented` });
  }
  return impl;
}

/**
 * Serves on a unix socket (a stale socket file is replaced; the socket is 0660).
 * Connections reach grpc-js through AuthorityFix (see there): grpc-go clients name
 * the socket's path as :authority, which Node's HTTP/2 would refuse.
 */
export async function listenUnix(server: grpc.Server, socket: string): Promise<net.Server> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  fs.rmSync(socket, { force: true });
  const front = net.createServer((sock) => {
    const fix = new AuthorityFix();
    sock.on('error', () => sock.destroy());
    fix.on('error', () => sock.destroy());
    injector.injectConnection(Duplex.from({ readable: sock.pipe(fix), writable: sock }));
  });
  await new Promise<void>((resolve, reject) => front.listen(socket, resolve).once('error', reject));
  fs.chmodSync(socket, 0o660);
  return front;
}
