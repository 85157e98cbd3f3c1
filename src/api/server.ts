// The Docker Engine API on a unix socket (`stowage system service`), so the
// real docker CLI and Docker SDKs can drive stowage. Each route calls the same
// services the CLI commands call; errors keep Docker's wording and status
// codes, which the docker CLI prints as "Error response from daemon: ...".
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { StowageError, type ErrorKind } from '../errdefs';
import type { Engine as Ctx } from '../engine/engine';
import { wasHijacked } from './stream';

/** The API version served: Docker 20.10's (the docker CLI negotiates down to it). */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';

/** The largest JSON body read into memory (container create, network create...); streams are not capped. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

export interface ApiRequest {
  method: string;
  /** the path without its /v1.xx prefix */
  path: string;
  params: string[];
  query: URLSearchParams;
  /** the version in the path (/v1.40/...), or the newest served */
  apiVersion: number;
  req: http.IncomingMessage;
  /** the body (for upgraded requests: what came with the headers, and more to its Content-Length) */
  body(): Promise<Buffer>;
  json<T>(): Promise<T>;
}

export type Handler = (ctx: Ctx, r: ApiRequest, res: http.ServerResponse) => Promise<void>;
export type UpgradeHandler = (ctx: Ctx, r: ApiRequest, socket: Duplex) => Promise<void>;

export interface Route {
  method: string;
  re: RegExp;
  handler?: Handler;
  upgrade?: UpgradeHandler;
}

const STATUS: Partial<Record<ErrorKind, number>> = {
  'not-found': 404,
  'already-exists': 409,
  conflict: 409,
  'invalid-argument': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-implemented': 501,
  unavailable: 503,
};

export function statusOf(e: unknown): number {
  const explicit = (e as { status?: number })?.status;
  if (typeof explicit === 'number') return explicit;
  return e instanceof StowageError ? (STATUS[e.kind] ?? 500) : 500;
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  sendJsonBody(res, status, Buffer.from(JSON.stringify(value)));
}

/** A JSON body already made (kept in an AnswerCache). */
export function sendJsonBody(res: http.ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

export function sendError(res: http.ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, statusOf(e), { message: (e as Error)?.message ?? String(e) });
}

export const flag = (q: URLSearchParams, name: string): boolean => ['1', 'true', 'True'].includes(q.get(name) ?? '');

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the JSON they expect; the value is checked where it is used
function parseBody<T>(b: Buffer): T {
  if (!b.length) return {} as T;
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    // any parse failure means the same thing to the client: the body is not JSON
    throw new StowageError('invalid-argument', 'invalid JSON in the request body');
  }
}

/** A request body read whole, refused past MAX_JSON_BODY (413) whatever its Content-Length says. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_JSON_BODY) {
      reject(tooLarge());
      return;
    }
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (b: Buffer) => {
      n += b.length;
      if (n > MAX_JSON_BODY) {
        req.destroy();
        reject(tooLarge());
      } else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const tooLarge = () =>
  Object.assign(new StowageError('invalid-argument', `request body larger than ${MAX_JSON_BODY} bytes`), {
    status: 413,
  });

/** The version a request asks for (/vX.Y/...): Docker's refusals of ones it does not serve. */
function requestedVersion(pathname: string): number {
  const m = /^\/v([0-9]+\.[0-9]+)(?=\/)/.exec(pathname);
  if (!m) {
    if (/^\/v[^/]*\//.test(pathname))
      throw new StowageError('invalid-argument', `malformed API version in ${pathname}`);
    return Number(API_VERSION);
  }
  const v = Number(m[1]);
  const [maj, min] = m[1].split('.').map(Number);
  const [smaj, smin] = API_VERSION.split('.').map(Number);
  const [mmaj, mmin] = MIN_API_VERSION.split('.').map(Number);
  if (maj > smaj || (maj === smaj && min > smin))
    throw new StowageError(
      'invalid-argument',
      `client version ${m[1]} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  if (maj < mmaj || (maj === mmaj && min < mmin)) {
    throw new StowageError(
      'invalid-argument',
      `client version ${m[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return v;
}

function apiRequest(req: http.IncomingMessage, routes: Route[]) {
  const url = new URL(req.url ?? '/', 'http://stowage');
  const cl = req.headers['content-length'];
  if (cl !== undefined && !/^\d+$/.test(cl))
    throw new StowageError('invalid-argument', `invalid Content-Length: ${cl}`);
  const apiVersion = requestedVersion(url.pathname);
  const path = url.pathname.replace(/^\/v[0-9.]+(?=\/)/, '');
  let cached: Promise<Buffer> | undefined;
  const body = () => (cached ??= readBody(req));
  for (const r of routes) {
    if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const a: ApiRequest = {
      method: req.method ?? 'GET',
      path,
      params: m.slice(1).map((p) => (p === undefined ? '' : decodeURIComponent(p))),
      query: url.searchParams,
      apiVersion,
      req,
      body,
      json: async <T>() => parseBody<T>(await body()),
    };
    return { route: r, a };
  }
  return undefined;
}

/** A request's route, or an answer of 400 when its URL cannot be read. */
function routeOf(req: http.IncomingMessage, routes: Route[]): ReturnType<typeof apiRequest> | Error {
  try {
    return apiRequest(req, routes);
  } catch (e) {
    return e as Error;
  }
}

export interface ApiServer {
  server: http.Server;
  /** Stops listening and closes every connection, hijacked ones too. */
  close(): Promise<void>;
}

export function createApiServer(ctx: Ctx, routes: Route[]): ApiServer {
  const upgraded = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    const found = routeOf(req, routes);
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Server', `stowage (linux)`);
    if (found instanceof Error) {
      sendJson(res, 400, {
        message: found instanceof StowageError ? found.message : `bad request: ${found.message}`,
      });
      return;
    }
    if (!found?.route.handler) {
      sendJson(res, 404, { message: `page not found` });
      return;
    }
    found.route.handler(ctx, found.a, res).catch((e: unknown) => sendError(res, e));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a client gone mid-stream must not take the service down
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    const found = routeOf(req, routes);
    if (found instanceof Error || !found?.route.upgrade) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // the request body (exec start's JSON) comes on the socket, before the stream
    const a = found.a;
    const want = Number(req.headers['content-length'] ?? 0);
    if (want > MAX_JSON_BODY) {
      socket.end('HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (head.length) socket.unshift(head); // what came with the headers: the body, or stdin already
    let buffered = Buffer.alloc(0);
    a.body = () =>
      new Promise<Buffer>((resolve) => {
        if (want === 0) {
          resolve(buffered);
          return;
        }
        const onData = (b: Buffer) => {
          buffered = Buffer.concat([buffered, b]);
          if (buffered.length >= want) {
            socket.off('data', onData);
            socket.pause();
            const rest = buffered.subarray(want);
            if (rest.length) socket.unshift(rest);
            resolve(buffered.subarray(0, want));
          }
        };
        socket.on('data', onData);
      });
    a.json = async <T>() => parseBody<T>(await a.body());
    found.route.upgrade(ctx, a, socket).catch((e: unknown) => {
      if (wasHijacked(socket))
        socket.destroy(); // the stream has begun: no HTTP answer fits in it
      else if (!socket.destroyed) {
        const body = JSON.stringify({ message: (e as Error).message });
        socket.end(
          `HTTP/1.1 ${statusOf(e)} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive ones
        for (const s of upgraded) s.destroy(); // attach and exec streams are no longer the server's to close
      }),
  };
}
