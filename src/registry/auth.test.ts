import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Authorizer, mergeScopes, parseChallenges } from './auth';
import type { HttpResponse, RequestInit } from './http';

test('WWW-Authenticate: several challenges, quoted and bare values, escapes', () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
    ),
    [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
      },
    ],
  );
  assert.deepEqual(parseChallenges('Basic realm="x", Bearer realm="https://t", error="invalid_token"'), [
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: { realm: 'https://t', error: 'invalid_token' } },
  ]);
  assert.deepEqual(parseChallenges('Bearer realm=https://t,service=s'), [
    { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="a \\"quoted\\" realm"'), [
    { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('scopes: actions of one repository joined, repositories apart', () => {
  assert.deepEqual(mergeScopes(['repository:a:pull', 'repository:a:push', 'repository:b:pull', 'repository:a:pull']), [
    'repository:a:pull,push',
    'repository:b:pull',
  ]);
});

/** A canned answer, as http.ts gives them. */
function answer(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  const msg = new IncomingMessage(new Socket());
  msg.push(body);
  msg.push(null);
  msg.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    statusText: '',
    headers: msg.headers,
    url: new URL('http://x'),
    body: msg,
    header: (n) => msg.headers[n.toLowerCase()] as string | undefined,
    bytes: async () => Buffer.from(body),
    discard: () => {},
  };
}

test('bearer tokens: fetched per scope set, kept until they expire (60 s at least), then fetched again', async () => {
  let now = 1_000_000;
  const asked: Array<{ url: URL; init: RequestInit }> = [];
  const send = async (url: URL, init: RequestInit) => {
    asked.push({ url, init });
    return answer(200, JSON.stringify({ token: `t${asked.length}`, expires_in: 10 }));
  };
  const a = new Authorizer('https://reg.example', { username: 'bob', password: 'pw' }, send, { now: () => now });
  a.learn(
    answer(401, '', {
      'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="reg",scope="repository:x:pull"',
    }),
  );
  const u = new URL('https://reg.example/v2/x/manifests/1');
  assert.equal(await a.header(['repository:x:pull'], u, 'GET'), 'Bearer t1');
  assert.equal(await a.header(['repository:x:pull'], u, 'GET'), 'Bearer t1', 'kept');
  assert.equal(await a.header(['repository:x:pull,push'], u, 'GET'), 'Bearer t2', 'another scope set, another token');
  const first = asked[0];
  assert.equal(first.url.origin + first.url.pathname, 'https://auth.example/token');
  assert.deepEqual(first.url.searchParams.getAll('scope'), ['repository:x:pull']);
  assert.equal(first.url.searchParams.get('service'), 'reg');
  assert.equal(first.url.searchParams.get('account'), 'bob');
  assert.deepEqual(
    first.init.auth,
    { origin: 'https://auth.example', header: `Basic ${Buffer.from('bob:pw').toString('base64')}` },
    'credentials go to the realm only',
  );
  now += 59_000;
  assert.equal(
    await a.header(['repository:x:pull'], u, 'GET'),
    'Bearer t1',
    '10 s tokens live 60 s, as Docker keeps them',
  );
  now += 2_000;
  assert.equal(await a.header(['repository:x:pull'], u, 'GET'), 'Bearer t3', 'expired: fetched again');
  a.invalidate(['repository:x:pull']);
  assert.equal(await a.header(['repository:x:pull'], u, 'GET'), 'Bearer t4', 'refused by the registry: fetched again');
});

test("an identity token is traded with OAuth2's refresh grant; a registry token is used as it is; basic needs credentials", async () => {
  const asked: RequestInit[] = [];
  const send = async (_url: URL, init: RequestInit) => {
    asked.push(init);
    return answer(200, JSON.stringify({ access_token: 'from-refresh', expires_in: 300 }));
  };
  const challenge = answer(401, '', { 'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="reg"' });
  const id = new Authorizer('https://reg.example', { identitytoken: 'refresh-me' }, send);
  id.learn(challenge);
  assert.equal(
    await id.header(['repository:x:pull'], new URL('https://reg.example/v2/'), 'GET'),
    'Bearer from-refresh',
  );
  assert.equal(asked[0].method, 'POST');
  const form = new URLSearchParams((asked[0].body as Buffer).toString());
  assert.equal(form.get('grant_type'), 'refresh_token');
  assert.equal(form.get('refresh_token'), 'refresh-me');
  assert.equal(form.get('scope'), 'repository:x:pull');
  const reg = new Authorizer('https://reg.example', { registrytoken: 'as-is' }, send);
  reg.learn(challenge);
  assert.equal(await reg.header([], new URL('https://reg.example/v2/'), 'GET'), 'Bearer as-is');
  const basic = new Authorizer('https://reg.example', undefined, send);
  basic.learn(answer(401, '', { 'WWW-Authenticate': 'Basic realm="r"' }));
  await assert.rejects(basic.header([], new URL('https://reg.example/v2/'), 'GET'), /no basic auth credentials/);
});

test('token server failures are named: refused credentials, no JSON, no token', async () => {
  const u = new URL('https://reg.example/v2/');
  const challenge = answer(401, '', { 'WWW-Authenticate': 'Bearer realm="https://auth.example/token"' });
  const cases: Array<[HttpResponse, RegExp]> = [
    [
      answer(401, '{"details":"incorrect username or password"}'),
      /Get "https:\/\/reg\.example\/v2\/": unauthorized: incorrect username or password$/,
    ],
    [answer(200, '<html>'), /the token server https:\/\/auth\.example answered no JSON/],
    [answer(200, '{"expires_in":3}'), /the token server https:\/\/auth\.example answered no token/],
  ];
  for (const [res, want] of cases) {
    const a = new Authorizer('https://reg.example', { username: 'u', password: 'p' }, async () => res);
    a.learn(challenge);
    await assert.rejects(a.header([], u, 'GET'), want);
  }
});
