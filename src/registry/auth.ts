// Authentication to a registry, as distribution's token specification and
// Docker's client do it: the registry's 401 names a scheme in
// WWW-Authenticate; Basic sends the credentials with every request, Bearer
// trades them at the realm (a token server) for a token scoped to
// repositories and actions (`repository:NAME:pull,push`). Tokens are kept per
// scope set until they expire (at least 60 s, as Docker) or the registry
// refuses them; an identity token (a refresh token from an earlier login) is
// traded with OAuth2's POST, a registry token is sent as it is. Tokens go to
// the registry's own origin only (see http.ts).
import { StowageError } from '../errdefs';
import type { AuthConfig } from './credentials';
import { LIMITS, type HttpResponse, type RequestInit } from './http';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header (several challenges, quoted or bare parameter values). */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)(?:\s+((?:[\w-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*))?\s*,?/y;
  let i = 0;
  while (i < header.length) {
    re.lastIndex = i;
    const m = re.exec(header);
    if (!m || m[0].length === 0) break;
    i = re.lastIndex;
    const params: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    }
    out.push({ scheme: m[1].toLowerCase(), params });
  }
  return out;
}

/** Scopes as a request needs them, e.g. repository:library/busybox:pull. */
export const pullScope = (repo: string) => `repository:${repo}:pull`;
export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

/** Merges scopes: actions of the same resource are joined (repository:a:pull + repository:a:push). */
export function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const i = s.lastIndexOf(':');
    if (i < 0) continue;
    const res = s.slice(0, i);
    const set = byResource.get(res) ?? new Set();
    for (const a of s.slice(i + 1).split(',')) if (a) set.add(a);
    byResource.set(res, set);
  }
  return [...byResource.entries()].map(([r, a]) => `${r}:${[...a].sort().join(',')}`).sort();
}

interface Token {
  value: string;
  expires: number;
}

export interface TokenAnswer {
  token: string;
  expiresIn: number;
  refreshToken?: string;
}

/** How an Authorizer sends its own requests (to token servers), given by the client. */
export type Sender = (url: URL, init: RequestInit) => Promise<HttpResponse>;

/** Docker's floor for a token's lifetime, whatever the server says. */
const MIN_TOKEN_SECONDS = 60;

/**
 * The registry's (or token server's) error text, as distribution's client
 * reads it: a bearer challenge's `error` first (insufficient_scope is DENIED,
 * invalid_token UNAUTHORIZED), then "code: message" of errors[0], or its details.
 */
export async function errorText(res: HttpResponse): Promise<{ code?: string; text: string }> {
  if (res.status >= 400 && res.status < 500) {
    const bearer = parseChallenges(res.header('www-authenticate')).find((c) => c.scheme === 'bearer');
    const oauth = bearer?.params.error;
    if (oauth === 'insufficient_scope' || oauth === 'invalid_token') {
      res.discard();
      const code = oauth === 'insufficient_scope' ? 'DENIED' : 'UNAUTHORIZED';
      const message =
        bearer?.params.error_description ||
        (code === 'DENIED' ? 'requested access to the resource is denied' : 'authentication required');
      return { code, text: `${code.toLowerCase()}: ${message}` };
    }
  }
  let body = '';
  try {
    body = (await res.bytes(LIMITS.error, 'an error body')).toString('utf8');
  } catch {
    // the error body only adds detail: if it cannot be read, the status alone is reported
    res.discard();
  }
  try {
    const json = JSON.parse(body) as {
      errors?: Array<{ code?: string; message?: string; detail?: unknown }>;
      details?: string;
      error?: string;
      error_description?: string;
    };
    const e = json.errors?.[0];
    if (e) return { code: e.code, text: `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}` };
    if (json.details) return { text: json.details };
    if (json.error) return { text: json.error_description ? `${json.error}: ${json.error_description}` : json.error };
  } catch {
    /* not JSON */
  }
  if (!body.trim() && res.status === 401)
    return { code: 'UNAUTHORIZED', text: 'unauthorized: authentication required' };
  if (!body.trim() && res.status === 403)
    return { code: 'DENIED', text: 'denied: requested access to the resource is denied' };
  const snippet = body.trim().split('\n')[0].slice(0, 200);
  return { text: snippet ? `${res.status} ${res.statusText}: ${snippet}` : `${res.status} ${res.statusText}` };
}

export class Authorizer {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, Token>();
  /** a refresh token the token server handed out (login asks for one) */
  refreshToken?: string;

  constructor(
    /** the registry's origin: tokens are for it alone */
    readonly origin: string,
    private readonly creds: AuthConfig | undefined,
    private readonly sendRequest: Sender,
    private readonly opts: { offline?: boolean; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * Learns the scheme from a 401's WWW-Authenticate (Bearer preferred, as
   * Docker's client); returns the scopes that challenge asks for (kept for
   * the retry of that request only), or undefined when it names no scheme.
   */
  learn(res: HttpResponse): string[] | undefined {
    const all = parseChallenges(res.header('www-authenticate'));
    const c = all.find((x) => x.scheme === 'bearer') ?? all.find((x) => x.scheme === 'basic');
    if (!c) return undefined;
    const { scope, ...params } = c.params;
    this.challenge = { scheme: c.scheme, params };
    return scope ? scope.split(' ').filter(Boolean) : [];
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** Forgets the token for these scopes (the registry refused it). */
  invalidate(scopes: string[]): void {
    this.tokens.delete(mergeScopes(scopes).join(' '));
  }

  /** The Authorization header for a request needing `scopes`, once a challenge is known. */
  async header(scopes: string[], reqUrl: URL, method: string): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const { username, password } = this.creds ?? {};
      // (Docker's words: the request is not sent without them)
      if (!username && !password) throw new StowageError('unauthorized', 'no basic auth credentials');
      return `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
    }
    if (c.scheme !== 'bearer') return undefined;
    if (this.creds?.registrytoken) return `Bearer ${this.creds.registrytoken}`;
    const merged = mergeScopes(scopes);
    const key = merged.join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > this.now()) return `Bearer ${cached.value}`;
    const t = await this.fetchToken(c, merged, reqUrl, method);
    this.tokens.set(key, { value: t.token, expires: this.now() + Math.max(t.expiresIn, MIN_TOKEN_SECONDS) * 1000 });
    if (t.refreshToken) this.refreshToken = t.refreshToken;
    return `Bearer ${t.token}`;
  }

  private async fetchToken(c: Challenge, scopes: string[], reqUrl: URL, method: string): Promise<TokenAnswer> {
    const realm = c.params.realm;
    const what = `${method === 'GET' ? 'Get' : method === 'HEAD' ? 'Head' : method[0] + method.slice(1).toLowerCase()} "${reqUrl.href}"`;
    if (!realm)
      throw new StowageError('unauthorized', `${what}: the registry asks for a bearer token but names no realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      // any URL parse failure means the same thing: the realm is not a URL
      throw new StowageError('unauthorized', `${what}: the registry's token realm is not a URL: ${realm}`);
    }
    const creds = this.creds;
    const refresh = creds?.identitytoken;
    let res: HttpResponse;
    if (refresh) {
      // OAuth2 refresh-token grant, as Docker does with an identity token
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: 'stowage',
        access_type: 'offline',
      });
      if (c.params.service) form.set('service', c.params.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.sendRequest(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: Buffer.from(form.toString()),
        follow: false,
      });
    } else {
      if (c.params.service) url.searchParams.set('service', c.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      let auth: RequestInit['auth'];
      if (creds?.username || creds?.password) {
        url.searchParams.set('account', creds.username ?? '');
        if (this.opts.offline) {
          url.searchParams.set('offline_token', 'true');
          url.searchParams.set('client_id', 'stowage');
        }
        // the credentials go to the realm, which exists to receive them
        auth = {
          origin: url.origin,
          header: `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`,
        };
      }
      res = await this.sendRequest(url, { method: 'GET', headers, auth, follow: false });
    }
    if (res.status < 200 || res.status > 299) {
      const e = await errorText(res);
      const text = res.status === 401 && !/unauthorized/i.test(e.text) ? `unauthorized: ${e.text}` : e.text;
      throw new StowageError(
        res.status === 401 || res.status === 403 ? 'unauthorized' : 'unavailable',
        `${what}: ${text}`,
      );
    }
    const body = await res.bytes(LIMITS.token, `the token server's answer (${url.origin})`);
    let json: { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      json = JSON.parse(body.toString('utf8')) as typeof json;
    } catch {
      // any parse failure means the same thing: the token answer is not JSON
      throw new StowageError('unauthorized', `${what}: the token server ${url.origin} answered no JSON`);
    }
    const token = json.token || json.access_token;
    if (!token || typeof token !== 'string')
      throw new StowageError('unauthorized', `${what}: the token server ${url.origin} answered no token`);
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : MIN_TOKEN_SECONDS;
    return { token, expiresIn, refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : undefined };
  }
}
