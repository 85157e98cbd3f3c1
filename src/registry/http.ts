// HTTP for registries, over node:http/https rather than fetch, for what fetch
// cannot promise: the address a host name was checked against is the one
// connected to (no second DNS answer between the loopback check and the
// connection), TLS with a host's own authorities and client certificate,
// redirects followed by hand so that credentials never leave the origin they
// were meant for, and every body read with a cap. Errors are worded as Go's
// net/http words them, as Docker prints them.
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { invalidArgument, StowageError } from '../errdefs';

/** Caps on what is read whole from a registry or a token server. */
export const LIMITS = {
  /** an error body: only its first bytes are worth reading */
  error: 64 << 10,
  token: 1 << 20,
  /** Docker's and containerd's limit on a manifest or an index */
  manifest: 4 << 20,
  config: 8 << 20,
  tags: 4 << 20,
} as const;

export interface TlsSettings {
  /** certificate authorities added to the system's */
  ca: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  /** false only for a registry configured insecure */
  verify: boolean;
}

/** How to reach one host: the addresses it resolved to (pinned), and TLS for https. */
export interface HostRoute {
  scheme: 'http' | 'https';
  /** host[:port] */
  host: string;
  addresses: Array<{ address: string; family: number }>;
  tls?: TlsSettings;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  /** where the answer came from, after redirects */
  url: URL;
  body: http.IncomingMessage;
  header(name: string): string | undefined;
  /** the whole body, refused past `limit` bytes (`what` names it in the error) */
  bytes(limit: number, what: string): Promise<Buffer>;
  /** frees the connection without reading a body that may be big */
  discard(): void;
}

export interface RequestInit {
  method: string;
  headers?: Record<string, string>;
  /** a Buffer, or a stream sent with its length (or chunked without one) */
  body?: Buffer | { stream: Readable; length?: number };
  /** the Authorization header, sent only to this origin (scheme://host:port) */
  auth?: { origin: string; header: string };
  /** follow redirects (GET and HEAD only) */
  follow?: boolean;
  signal?: AbortSignal;
}

/** A failure to reach a registry at all (not an answer from it). */
export class NetworkError extends StowageError {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** the server does not speak TLS */
    readonly plainHttp = false,
    hint?: string,
  ) {
    super('unavailable', message, { hint });
  }
}

const METHOD_WORD: Record<string, string> = {
  GET: 'Get',
  HEAD: 'Head',
  PUT: 'Put',
  POST: 'Post',
  PATCH: 'Patch',
  DELETE: 'Delete',
};
const MAX_REDIRECTS = 10;

export const originOf = (u: URL): string => `${u.protocol}//${u.host}`;

/** The Go wording of a connection or TLS failure. */
function describe(
  e: NodeJS.ErrnoException & { reason?: string },
  url: URL,
  route: HostRoute,
): { detail: string; plainHttp: boolean; hint?: string } {
  const code = e.code ?? '';
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const addr = route.addresses[0]?.address ?? url.hostname;
  const dial = `dial tcp ${addr.includes(':') ? `[${addr}]` : addr}:${port}`;
  if (code === 'ECONNREFUSED') return { detail: `${dial}: connect: connection refused`, plainHttp: false };
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return { detail: `${dial}: i/o timeout`, plainHttp: false };
  if (code === 'ECONNRESET') return { detail: 'read: connection reset by peer', plainHttp: false };
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number|packet length too long|http request/i.test(e.message)
  ) {
    return { detail: 'http: server gave HTTP response to HTTPS client', plainHttp: true };
  }
  const certsHint = `stowage trusts the system's authorities and those in certs.d (${url.host}/ca.crt under /etc/docker/certs.d or $STOWAGE_CERTS_D)`;
  if (
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_SIGNATURE_FAILURE',
    ].includes(code)
  ) {
    return { detail: 'x509: certificate signed by unknown authority', plainHttp: false, hint: certsHint };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return { detail: `x509: certificate is not valid for ${url.hostname}: ${e.reason ?? e.message}`, plainHttp: false };
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return { detail: 'x509: certificate has expired or is not yet valid', plainHttp: false };
  const alert = /ALERT_([A-Z_]+)$/.exec(code);
  if (alert) return { detail: `remote error: tls: ${alert[1].toLowerCase().replace(/_/g, ' ')}`, plainHttp: false };
  return { detail: e.message, plainHttp: false };
}

/** Agents by route: keep-alive connections, always to the pinned addresses. */
const agents = new Map<string, http.Agent>();

function agentFor(route: HostRoute): http.Agent {
  const key = JSON.stringify([
    route.scheme,
    route.host,
    route.addresses,
    route.tls?.verify,
    route.tls?.ca.length,
    !!route.tls?.cert,
  ]);
  let agent = agents.get(key);
  if (agent) return agent;
  const addrs = route.addresses;
  // the connection goes to an address checked before, never to a second DNS answer
  const lookup = (_host: string, opts: { all?: boolean } | number, cb: (...a: unknown[]) => void) => {
    if (typeof opts === 'object' && opts?.all) cb(null, addrs);
    else cb(null, addrs[0].address, addrs[0].family);
  };
  const common = { keepAlive: true, maxSockets: 16, lookup: lookup as unknown as net.LookupFunction };
  if (route.scheme === 'http') agent = new http.Agent(common);
  else {
    const t = route.tls ?? { ca: [], verify: true };
    agent = new https.Agent({
      ...common,
      ca: t.ca.length ? [...tls.rootCertificates, ...t.ca.map((c) => c.toString())] : undefined,
      cert: t.cert,
      key: t.key,
      rejectUnauthorized: t.verify,
    });
  }
  agents.set(key, agent);
  return agent;
}

function wrap(res: http.IncomingMessage, url: URL): HttpResponse {
  const header = (name: string) => {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers: res.headers,
    url,
    body: res,
    header,
    bytes: (limit, what) => readCapped(res, limit, what),
    discard() {
      const len = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(len) && len <= LIMITS.error) res.resume();
      else res.destroy();
    },
  };
}

/** Reads a body whole, refusing (and closing the connection) past `limit` bytes. */
export async function readCapped(res: http.IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const tooBig = () => invalidArgument(`${what} is larger than ${limit} bytes: refused`);
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    throw tooBig();
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw tooBig();
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function once(
  route: HostRoute,
  url: URL,
  init: RequestInit,
  headers: Record<string, string>,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const body = init.body;
    const h: Record<string, string> = { 'User-Agent': 'stowage', ...headers };
    if (Buffer.isBuffer(body)) h['Content-Length'] = String(body.length);
    else if (body?.length !== undefined) h['Content-Length'] = String(body.length);
    const req = mod.request(url, {
      method: init.method,
      headers: h,
      agent: agentFor(route),
      signal: init.signal,
      servername: net.isIP(url.hostname) ? undefined : url.hostname,
    });
    req.setTimeout(60_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') {
        reject(e);
        return;
      }
      const { detail, plainHttp, hint } = describe(e, url, route);
      reject(
        new NetworkError(
          `${METHOD_WORD[init.method] ?? init.method} "${url.href}": ${detail}`,
          e.code,
          plainHttp,
          hint,
        ),
      );
    });
    if (Buffer.isBuffer(body) || body === undefined) req.end(body);
    else {
      body.stream.on('error', (e) => req.destroy(e));
      body.stream.pipe(req);
    }
  });
}

/**
 * One request, following redirects for GET and HEAD. The Authorization
 * header goes only to `init.auth.origin`; a redirect elsewhere is followed
 * without it, and a redirect from https to plain http is refused.
 */
export async function send(
  url: URL,
  init: RequestInit,
  routeFor: (u: URL) => Promise<HostRoute>,
): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth && originOf(current) === init.auth.origin) headers.Authorization = init.auth.header;
    const route = await routeFor(current);
    const res = await once(route, current, hop ? { ...init, body: undefined } : init, headers);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    const redirect =
      [301, 302, 303, 307, 308].includes(status) &&
      location &&
      (init.follow ?? (init.method === 'GET' || init.method === 'HEAD'));
    if (!redirect) return wrap(res, current);
    res.resume();
    if (hop >= MAX_REDIRECTS)
      throw new NetworkError(
        `${METHOD_WORD[init.method] ?? init.method} "${url.href}": stopped after ${MAX_REDIRECTS} redirects`,
        undefined,
      );
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new NetworkError(
        `${METHOD_WORD[init.method] ?? init.method} "${url.href}": refused a redirect from https to ${next.protocol.slice(0, -1)} (${next.origin})`,
        undefined,
      );
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:')
      throw new NetworkError(`refused a redirect to ${next.href}`, undefined);
    current = next;
  }
}

/** The addresses of a host (an IP literal is its own), worded as Go's resolver fails. */
export async function lookupHost(hostname: string): Promise<Array<{ address: string; family: number }>> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const family = net.isIP(bare);
  if (family) return [{ address: bare, family }];
  try {
    const addrs = await dns.lookup(bare, { all: true, verbatim: true });
    if (!addrs.length) throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
    return addrs;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NetworkError(
      `dial tcp: lookup ${bare}${code === 'ENOTFOUND' || code === 'EAI_NONAME' ? ': no such host' : `: ${(e as Error).message}`}`,
      code,
    );
  }
}
