// A token server as distribution's token authentication specifies it, for a
// registry configured with `auth: token:` (Debian's docker-registry, or a
// test's own). GET /token with HTTP basic credentials (or none) and the
// service and scope parameters answers {token, access_token, expires_in,
// issued_at} (plus a refresh_token when offline_token=true); POST /token takes
// OAuth2's password and refresh_token grants. Tokens are JWTs signed RS256 by
// a certificate of the test's CA, sent in the x5c header; the registry trusts
// the CA (its rootcertbundle). Every request is recorded for the tests.
import { createSign, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Issued } from './tls';

export interface TokenRequest {
  method: string;
  scopes: string[];
  account?: string;
  /** the user the credentials proved, if any */
  user?: string;
  grant?: string;
  authorization?: string;
  offline: boolean;
}

export type Lie = 'expired' | 'huge' | 'garbage';

export interface TokenServerOptions {
  users: Record<string, string>;
  /** what a user (undefined: anonymous) may do on a repository; default: users all, anonymous nothing */
  access?: (user: string | undefined, repository: string, actions: string[]) => string[];
  issuer?: string;
  service?: string;
  signer: Issued;
  expiresIn?: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  requests: TokenRequest[];
  /** makes the server answer wrongly until called with undefined */
  lie(mode: Lie | undefined): void;
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const der = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const issuer = opts.issuer ?? 'stowage-test-issuer';
  const service = opts.service ?? 'stowage-test-registry';
  const requests: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>();
  let lie: Lie | undefined;
  const access = opts.access ?? ((user, _repo, actions) => (user ? actions : []));

  const sign = (user: string | undefined, scopes: string[], expiresIn: number): string => {
    const now = Math.floor(Date.now() / 1000);
    const grants = scopes
      .map((s) => /^repository:(.+):([a-z*,]+)$/.exec(s))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ type: 'repository', name: m[1], actions: access(user, m[1], m[2].split(',')) }))
      .filter((g) => g.actions.length);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [der(opts.signer.certPem)] };
    const exp = lie === 'expired' ? now - 3600 : now + expiresIn;
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: grants,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(opts.signer.keyPem);
    return `${input}.${b64url(sig)}`;
  };

  const basicUser = (h: string | undefined): string | undefined | null => {
    if (!h) return undefined;
    const m = /^Basic (.+)$/i.exec(h);
    if (!m) return null;
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const i = text.indexOf(':');
    const user = text.slice(0, i);
    return i > 0 && opts.users[user] !== undefined && opts.users[user] === text.slice(i + 1) ? user : null;
  };

  const answer = (res: http.ServerResponse, user: string | undefined, scopes: string[], offline: boolean) => {
    if (lie === 'huge')
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"token":"${'x'.repeat(2 << 20)}"}`);
    if (lie === 'garbage')
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>not json</html>');
    const expiresIn = opts.expiresIn ?? 300;
    const token = sign(user, scopes, expiresIn);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date().toISOString(),
    };
    if (offline && user) {
      const r = randomBytes(16).toString('hex');
      refreshTokens.set(r, user);
      body.refresh_token = r;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const refuse = (res: http.ServerResponse) =>
    res
      .writeHead(401, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ details: 'incorrect username or password' }));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token') return res.writeHead(404).end();
    if (req.method === 'GET') {
      const user = basicUser(req.headers.authorization);
      const scopes = url.searchParams
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      const offline = url.searchParams.get('offline_token') === 'true';
      requests.push({
        method: 'GET',
        scopes,
        account: url.searchParams.get('account') ?? undefined,
        user: user ?? undefined,
        authorization: req.headers.authorization,
        offline,
      });
      if (user === null) return refuse(res);
      return answer(res, user, scopes, offline);
    }
    if (req.method === 'POST') {
      let text = '';
      req.on('data', (d: Buffer | string) => (text += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(text);
        const grant = form.get('grant_type') ?? '';
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        let user: string | undefined;
        if (grant === 'refresh_token') user = refreshTokens.get(form.get('refresh_token') ?? '');
        else if (grant === 'password' && opts.users[form.get('username') ?? ''] === form.get('password'))
          user = form.get('username') ?? undefined;
        requests.push({
          method: 'POST',
          scopes,
          user,
          grant,
          offline: form.get('access_type') === 'offline',
          authorization: req.headers.authorization,
        });
        if (!user) return refuse(res);
        if (lie === 'huge' || lie === 'garbage') return answer(res, user, scopes, false);
        const expiresIn = opts.expiresIn ?? 300;
        const token = sign(user, scopes, expiresIn);
        const body: Record<string, unknown> = { access_token: token, expires_in: expiresIn, scope: scopes.join(' ') };
        if (grant === 'password' && form.get('access_type') === 'offline') {
          const r = randomBytes(16).toString('hex');
          refreshTokens.set(r, user);
          body.refresh_token = r;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      });
      return;
    }
    res.writeHead(405).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    requests,
    lie(mode) {
      lie = mode;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
