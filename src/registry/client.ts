// The registry HTTP API v2 (distribution spec): manifests and blobs by digest,
// blob uploads, and the anonymous bearer-token challenge. Loopback registries
// are spoken to in plain HTTP, as Docker treats 127.0.0.0/8 and localhost as
// insecure registries; any other over HTTPS. Errors keep Docker's wording.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { StowageError } from '../errdefs';

export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** A registry's answer that is not what was asked for (its errors[] code in the message, as Docker prints it). */
export class RegistryError extends StowageError {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(status === 404 ? 'not-found' : status === 401 || status === 403 ? 'unauthorized' : 'unavailable', message);
  }
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || /^127\./.test(name) || name === '::1';
}

export class RegistryClient {
  private token?: string;
  readonly base: string;

  constructor(domain: string) {
    const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
    this.base = `${isLoopback(host) ? 'http' : 'https'}://${host}`;
  }

  /** GET /v2/: the registry answers (401 too: it speaks the API and wants a token). */
  async ping(): Promise<void> {
    const res = await this.request('GET', '/v2/');
    await res.arrayBuffer().catch(() => {});
    if (!res.ok && res.status !== 401) throw new RegistryError(`${this.base} does not answer as a registry: ${res.status} ${res.statusText}`, res.status);
  }

  /** One request; a bearer challenge is answered once with an anonymous token. */
  async request(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string; file?: { path: string; size: number } } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const send = (): Promise<Response> => {
      const headers: Record<string, string> = { ...opts.headers };
      if (this.token) headers.Authorization = `Bearer ${this.token}`;
      const init: RequestInit & { duplex?: 'half' } = { method, headers, redirect: 'follow' };
      if (opts.body !== undefined) init.body = opts.body;
      if (opts.file) {
        headers['Content-Length'] = String(opts.file.size);
        init.body = Readable.toWeb(fs.createReadStream(opts.file.path, { highWaterMark: 1 << 20 })) as ReadableStream;
        init.duplex = 'half';
      }
      return fetch(url, init).catch((e: Error & { cause?: { code?: string; address?: string; port?: number } }) => {
        const c = e.cause;
        const where = new URL(url);
        const detail =
          c?.code === 'ECONNREFUSED'
            ? `dial tcp ${c.address ?? where.hostname}:${c.port ?? where.port}: connect: connection refused`
            : c?.code === 'ENOTFOUND' || c?.code === 'EAI_AGAIN'
              ? `dial tcp: lookup ${where.hostname}: no such host`
              : ((c as Error | undefined)?.message ?? e.message);
        throw new StowageError('unavailable', `${method === 'GET' ? 'Get' : method === 'HEAD' ? 'Head' : method === 'PUT' ? 'Put' : method === 'POST' ? 'Post' : method} "${url}": ${detail}`);
      });
    };
    let res = await send();
    // a token for the scope this request needs (a pull token does not push; tokens expire)
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (/^Bearer /i.test(challenge)) {
        await res.arrayBuffer().catch(() => {});
        this.token = await this.fetchToken(challenge);
        res = await send();
      }
    }
    return res;
  }

  private async fetchToken(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) throw new RegistryError('the registry asks for a token but names no realm', 401);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const res = await fetch(url);
    if (!res.ok) throw new RegistryError(`cannot get a token from ${url.origin}: ${res.status} ${res.statusText}`, res.status);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const t = body.token ?? body.access_token;
    if (!t) throw new RegistryError(`no token in the answer of ${url.origin}`, 401);
    return t;
  }

  /**
   * The registry's error for a failed response: "<what>: <code>: <message>" as Docker
   * shows it; `what` may depend on the registry's error code.
   */
  async fail(res: Response, what: string | ((code: string | undefined) => string)): Promise<never> {
    let code: string | undefined;
    let detail = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { errors?: Array<{ code?: string; message?: string }> };
      const e = body.errors?.[0];
      if (e) {
        code = e.code;
        detail = `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`;
      }
    } catch {
      /* no JSON body */
    }
    throw new RegistryError(`${typeof what === 'string' ? what : what(code)}: ${detail}`, res.status, code);
  }
}
