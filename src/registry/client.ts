// The registry HTTP API v2 (distribution specification) for one registry
// host: the scheme found by a first GET /v2/ (HTTPS, or plain HTTP where
// hosts.ts allows it), the credentials its challenge asks for, and requests
// scoped to repositories. `Repository` has the calls pull and push make.
// Errors keep Docker's wording: "<what>: <code>: <message>".
import { StowageError, internal } from '../errdefs';
import { Authorizer, errorText, mergeScopes, pullScope, pushScope } from './auth';
import { credentialKey, getCredentials, type AuthConfig } from './credentials';
import { RegistryHosts } from './hosts';
import { LIMITS, NetworkError, originOf, send, type HttpResponse, type RequestInit } from './http';

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

export interface RegistryOptions {
  /** credentials to use (the Engine API's); otherwise those config.json keeps for the host */
  auth?: AuthConfig;
  /** configured insecure (registries.conf) */
  insecure?: boolean;
  /** configured as http:// (a daemon.json mirror) */
  plainHttp?: boolean;
  /** ask the token server for a refresh token (login) */
  offline?: boolean;
  hosts?: RegistryHosts;
  signal?: AbortSignal;
}

/** The host a domain is reached at: Docker Hub's registry for docker.io. */
export const registryHost = (domain: string): string =>
  domain === 'docker.io' || domain === 'index.docker.io' ? 'registry-1.docker.io' : domain;

let sharedHosts: RegistryHosts | undefined;
/** One RegistryHosts per process: addresses and schemes found once. */
export const defaultHosts = (): RegistryHosts => (sharedHosts ??= new RegistryHosts());

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: RequestInit['body'];
  /** the token scopes the request needs */
  scopes?: string[];
  follow?: boolean;
}

export class Registry {
  readonly host: string;
  private origin_?: string;
  private connecting?: Promise<void>;
  private authorizer?: Authorizer;
  readonly hosts: RegistryHosts;

  constructor(
    /** the domain as references name it (docker.io, 127.0.0.1:5000) */
    readonly domain: string,
    private readonly opts: RegistryOptions = {},
  ) {
    this.host = registryHost(domain);
    this.hosts = opts.hosts ?? defaultHosts();
    if (opts.insecure) this.hosts.markInsecure(this.host);
    if (opts.plainHttp) this.hosts.allowPlainHttp(this.host);
  }

  /** scheme://host[:port], once connected */
  get origin(): string {
    if (!this.origin_) throw internal('registry not connected');
    return this.origin_;
  }

  /** The refresh token a login obtained (an identity token), if any. */
  get identityToken(): string | undefined {
    return this.authorizer?.refreshToken;
  }

  private sender = (url: URL, init: RequestInit) =>
    send(url, { ...init, signal: this.opts.signal }, (u) => this.hosts.routeFor(u));

  /** GET /v2/ over HTTPS, or plain HTTP where allowed and the server does not speak TLS; learns the auth challenge. */
  connect(): Promise<void> {
    this.connecting ??= this.ping().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }

  private async ping(): Promise<void> {
    const known = this.hosts.knownScheme(this.host);
    let res: HttpResponse;
    let origin = `${known ?? 'https'}://${this.host}`;
    try {
      res = await this.sender(new URL(`${origin}/v2/`), { method: 'GET', follow: true });
    } catch (e) {
      // a registry that answers in plain HTTP, or does not answer HTTPS at all, is tried in
      // plain HTTP where that is allowed (Docker tries the http endpoint after the https one,
      // and reports its error)
      const fallback = e instanceof NetworkError && (e.plainHttp || e.code === 'ECONNREFUSED');
      if (!(fallback && known !== 'http' && (await this.hosts.mayFallBackToHttp(this.host)))) throw e;
      origin = `http://${this.host}`;
      res = await this.sender(new URL(`${origin}/v2/`), { method: 'GET', follow: true });
    }
    this.hosts.setScheme(this.host, origin.startsWith('https') ? 'https' : 'http');
    // the registry is where it was asked for, whatever its /v2/ redirected to: credentials stay with it
    this.origin_ = origin;
    if (res.status === 401) {
      this.authorizer = new Authorizer(this.origin_, this.credentials(), this.sender, { offline: this.opts.offline });
      this.authorizer.learn(res);
    }
    res.discard();
    if (res.status !== 200 && res.status !== 401) {
      throw new RegistryError(
        `${origin}/v2/ does not answer as a registry: ${res.status} ${res.statusText}`,
        res.status,
      );
    }
  }

  private credentials(): AuthConfig | undefined {
    if (this.opts.auth) return this.opts.auth;
    return getCredentials(credentialKey(this.domain));
  }

  /** Whether requests are authenticated, and how (basic, bearer). */
  get authScheme(): string | undefined {
    return this.authorizer?.scheme;
  }

  /**
   * One request; on a 401 the challenge is learned (or a refused token
   * forgotten) and the request sent once more, with a fresh token for the
   * scopes asked for and those the challenge names.
   */
  async request(method: string, target: string, o: RequestOptions = {}): Promise<HttpResponse> {
    await this.connect();
    const url = new URL(target, this.origin);
    const scopes = o.scopes ?? [];
    const attempt = async (extra: string[]) => {
      const header = this.authorizer
        ? await this.authorizer.header(mergeScopes([...scopes, ...extra]), url, method)
        : undefined;
      return this.sender(url, {
        method,
        headers: o.headers,
        body: o.body,
        follow: o.follow,
        auth: header ? { origin: this.origin, header } : undefined,
      });
    };
    const res = await attempt([]);
    const replayable = o.body === undefined || Buffer.isBuffer(o.body);
    if (res.status !== 401 || !replayable) return res;
    this.authorizer ??= new Authorizer(this.origin, this.credentials(), this.sender, { offline: this.opts.offline });
    const asked = this.authorizer.learn(res);
    if (asked === undefined) return res;
    res.discard();
    this.authorizer.invalidate(scopes);
    return attempt(asked);
  }

  /** Throws the registry's error for a failed answer: "<what>: <code>: <message>". */
  async fail(res: HttpResponse, what: string | ((code: string | undefined) => string)): Promise<never> {
    const e = await errorText(res);
    // a refusal is the registry's own words, as Docker prints them
    if (typeof what === 'string' && (res.status === 401 || res.status === 403))
      throw new RegistryError(e.text, res.status, e.code);
    throw new RegistryError(`${typeof what === 'string' ? what : what(e.code)}: ${e.text}`, res.status, e.code);
  }

  repository(path: string): Repository {
    return new Repository(this, path);
  }
}

export interface ManifestAnswer {
  bytes: Buffer;
  /** the Content-Type (without parameters) */
  mediaType: string;
}

/** The calls on one repository of a registry. */
export class Repository {
  constructor(
    readonly registry: Registry,
    /** the path within the registry (library/busybox) */
    readonly path: string,
  ) {}

  /** The manifest or index for a tag or digest, read with Docker's 4 MiB cap; undefined on 404 when `optional`. */
  async manifest(reference: string, fail: (res: HttpResponse) => Promise<never>): Promise<ManifestAnswer> {
    const res = await this.registry.request('GET', `/v2/${this.path}/manifests/${reference}`, {
      headers: { Accept: MANIFEST_ACCEPT },
      scopes: [pullScope(this.path)],
    });
    if (res.status !== 200) return fail(res);
    const mediaType = (res.header('content-type') ?? '').split(';')[0].trim();
    const bytes = await res.bytes(LIMITS.manifest, `the manifest ${reference} of ${this.path}`);
    return { bytes, mediaType };
  }

  /** A blob's response, streaming (redirects followed, without credentials off the origin). */
  async blob(digest: string): Promise<HttpResponse> {
    const res = await this.registry.request('GET', `/v2/${this.path}/blobs/${digest}`, {
      scopes: [pullScope(this.path)],
    });
    if (res.status !== 200) return this.registry.fail(res, `blob ${digest}`);
    return res;
  }

  async hasBlob(digest: string, scopes = [pullScope(this.path)]): Promise<boolean> {
    const res = await this.registry.request('HEAD', `/v2/${this.path}/blobs/${digest}`, { scopes });
    res.discard();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.registry.fail(res, `blob ${digest}`);
  }

  /**
   * Starts an upload; with `mount`, asks the registry to take the blob from
   * another repository it holds (201: mounted, nothing to send).
   */
  async startUpload(mount?: {
    digest: string;
    from: string;
  }): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const scopes = [pushScope(this.path), ...(mount ? [pullScope(mount.from)] : [])];
    const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const res = await this.registry.request('POST', `/v2/${this.path}/blobs/uploads/${q}`, {
      scopes,
      body: Buffer.alloc(0),
    });
    if (mount && res.status === 201) {
      res.discard();
      return { mounted: true };
    }
    if (res.status !== 202) return this.registry.fail(res, `cannot start an upload to ${this.path}`);
    res.discard();
    const location = res.header('location');
    if (!location) throw new RegistryError(`the registry gave no upload location for ${this.path}`, 202);
    return { mounted: false, location: new URL(location, this.registry.origin) };
  }

  /** Sends bytes (a stream: chunked) into an upload; returns where the upload goes on. */
  async patchUpload(location: URL, body: NonNullable<RequestInit['body']>): Promise<URL> {
    const res = await this.registry.request('PATCH', location.href, {
      scopes: [pushScope(this.path)],
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (res.status !== 202) return this.registry.fail(res, `upload to ${this.path}`);
    res.discard();
    const next = res.header('location');
    return next ? new URL(next, location) : location;
  }

  /** Closes an upload with the blob's digest (and its last bytes, or all of them for a small blob). */
  async closeUpload(location: URL, digest: string, body: Buffer = Buffer.alloc(0)): Promise<void> {
    const put = new URL(location.href);
    put.searchParams.set('digest', digest);
    const res = await this.registry.request('PUT', put.href, {
      scopes: [pushScope(this.path)],
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (res.status !== 201) return this.registry.fail(res, `upload of ${digest}`);
    res.discard();
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.registry.request('PUT', `/v2/${this.path}/manifests/${reference}`, {
      scopes: [pushScope(this.path)],
      body: bytes,
      headers: { 'Content-Type': mediaType },
    });
    if (res.status !== 201) return this.registry.fail(res, `manifest of ${this.path}:${reference}`);
    res.discard();
  }

  /** Every tag (pages followed through their Link headers). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.path}/tags/list`;
    for (let page = 0; next && page < 1000; page++) {
      const res = await this.registry.request('GET', next, { scopes: [pullScope(this.path)] });
      if (res.status !== 200) return this.registry.fail(res, `tags of ${this.path}`);
      const body = await res.bytes(LIMITS.tags, `the tag list of ${this.path}`);
      let json: { tags?: unknown };
      try {
        json = JSON.parse(body.toString('utf8')) as { tags?: unknown };
      } catch {
        // any parse failure means the same thing: the tag list is not JSON
        throw new RegistryError(`the tag list of ${this.path} is not valid JSON`, 200);
      }
      if (Array.isArray(json.tags)) out.push(...json.tags.filter((t): t is string => typeof t === 'string'));
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(res.header('link') ?? '');
      next = link ? new URL(link[1], this.registry.origin).href : undefined;
      // a link elsewhere is not followed: the tag list comes from this registry
      if (next && originOf(new URL(next)) !== this.registry.origin) next = undefined;
    }
    return out;
  }
}
