// A grpc-js server on a unix socket for handler tables: each RPC is an async
// function from the request object to the response object; a thrown error
// becomes its gRPC status (status.ts). RPCs without a handler answer Unimplemented.
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
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
        callback(null, res as object);
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
export function implementation(service: grpc.ServiceDefinition, handlers: Handlers, log: Logger): grpc.UntypedServiceImplementation {
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
      : (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented` });
  }
  return impl;
}

/** Binds a server on a unix socket (a stale socket file is replaced; the socket is 0660). */
export async function listenUnix(server: grpc.Server, socket: string): Promise<void> {
  fs.mkdirSync(path.dirname(socket), { recursive: true });
  fs.rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  });
  fs.chmodSync(socket, 0o660);
}
