// Registries as people run them, with Debian's docker-registry (distribution
// 2.8) on 127.0.0.1: HTTPS with a certificate of the test's own CA, an
// htpasswd file (bcrypt), client certificates, and bearer tokens from a token
// server (test/reference/token-server.ts). stowage finds the CA and the client
// certificate in certs.d, keeps credentials in config.json or a credential
// helper, and refuses what it must. Every path it reads is under the test's
// directory: DOCKER_CONFIG, STOWAGE_CERTS_D, STOWAGE_DAEMON_JSON,
// STOWAGE_REGISTRIES_CONF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv } from '../helpers';
import { startRegistry, type Registry } from '../reference/registry';
import { makeCa, writeCertsD, type Ca } from '../reference/tls';
import { startTokenServer, type TokenServer } from '../reference/token-server';

const env = new TestEnv('stowage-regauth-');
const dir = path.join(env.dir, 'conf');
const dockerConfig = path.join(dir, 'docker');
const certsD = path.join(dir, 'certs.d');
const daemonJson = path.join(dir, 'daemon.json');
const helperBin = path.join(dir, 'bin');
let ca: Ca;
let basic: Registry; // htpasswd, TLS
let mtls: Registry; // TLS, client certificate required
let stranger: Registry; // TLS with a certificate of another CA
let tokenReg: Registry; // token auth, TLS
let tokens: TokenServer;

const vars = () => ({
  DOCKER_CONFIG: dockerConfig,
  STOWAGE_CERTS_D: certsD,
  STOWAGE_DAEMON_JSON: daemonJson,
  STOWAGE_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
  PATH: `${helperBin}:${process.env.PATH}`,
});
const run = (args: string[], input?: string) => env.run(args, { env: vars(), input });
const ok = (args: string[], input?: string) => env.ok(args, { env: vars(), input });
const config = () => JSON.parse(fs.readFileSync(path.join(dockerConfig, 'config.json'), 'utf8'));

/** A credential helper as docker-credential-helpers specifies: store/get/erase, records in files. */
function writeHelper(name: string): string {
  const store = path.join(dir, `helper-${name}`);
  fs.mkdirSync(store, { recursive: true });
  fs.mkdirSync(helperBin, { recursive: true });
  const file = path.join(helperBin, `docker-credential-${name}`);
  fs.writeFileSync(
    file,
    `#!${process.execPath}
const fs = require('fs'), path = require('path');
const dir = ${JSON.stringify(store)};
const input = fs.readFileSync(0, 'utf8');
const at = (s) => path.join(dir, Buffer.from(s.trim()).toString('hex'));
fs.appendFileSync(path.join(dir, 'log'), process.argv[2] + '\\n');
switch (process.argv[2]) {
  case 'store': { const c = JSON.parse(input); fs.writeFileSync(at(c.ServerURL), JSON.stringify(c)); break; }
  case 'get': if (!fs.existsSync(at(input))) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(fs.readFileSync(at(input))); break;
  case 'erase': if (!fs.existsSync(at(input))) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    fs.rmSync(at(input)); break;
  default: process.exit(1);
}
`,
    { mode: 0o755 },
  );
  return store;
}

before(async () => {
  fs.mkdirSync(dir, { recursive: true });
  await env.baseImage('busybox:latest');
  ca = makeCa(dir, 'stowage test CA');
  const server = ca.issue('registry', { server: true });
  const other = makeCa(dir, 'another CA');
  const signer = ca.issue('token signer', {});
  tokens = await startTokenServer({ users: { bob: 'hunter2' }, signer });
  [basic, mtls, stranger, tokenReg] = await Promise.all([
    startRegistry({ htpasswd: { alice: 'secret' }, tls: { server } }),
    startRegistry({ tls: { server, clientCas: [ca.cert] } }),
    startRegistry({ tls: { server: other.issue('registry', { server: true }) } }),
    startRegistry({
      tls: { server },
      token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: ca.cert },
    }),
  ]);
  writeCertsD(certsD, basic.host, ca);
  writeCertsD(certsD, mtls.host, ca, ca.issue('client', { client: true }));
  writeCertsD(certsD, tokenReg.host, ca);
  writeCertsD(certsD, stranger.host, ca); // the wrong authority for it
});
after(async () => {
  await Promise.all([basic, mtls, stranger, tokenReg].map((r) => r?.stop()));
  await tokens?.stop();
  env.cleanup();
});

/** What a refused operation must leave unchanged. */
async function storeState() {
  return {
    images: await ok([
      'images',
      '-a',
      '--digests',
      '--no-trunc',
      '--format',
      '{{.ID}} {{.Repository}}:{{.Tag}}@{{.Digest}}',
    ]),
    layers: fs.readdirSync(path.join(env.root, 'overlay')).sort().join(','),
    tmp: fs.readdirSync(path.join(env.root, 'tmp')).join(','),
  };
}

test('basic auth over TLS: login keeps base64 credentials, push and pull use them, wrong ones and none are refused', async () => {
  const name = `${basic.host}/base:1`;
  await ok(['tag', 'busybox', name]);
  const anonymous = await run(['push', name]);
  assert.equal(anonymous.code, 1);
  assert.equal(anonymous.stderr, 'no basic auth credentials\n');
  const wrong = await run(['login', '-u', 'alice', '--password-stdin', basic.host], 'wrong\n');
  assert.equal(wrong.code, 1);
  assert.equal(
    wrong.stderr,
    `Error: login attempt to https://${basic.host}/v2/ failed with status: 401 Unauthorized\n`,
  );
  assert.ok(!fs.existsSync(path.join(dockerConfig, 'config.json')), 'nothing kept after a refused login');

  const login = await run(['login', '-u', 'alice', '--password-stdin', basic.host], 'secret\n');
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, 'Login Succeeded\n');
  const file = path.join(dockerConfig, 'config.json');
  assert.equal(
    login.stderr,
    `\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
  );
  assert.deepEqual(config().auths[basic.host], { auth: Buffer.from('alice:secret').toString('base64') });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);

  const pushed = await ok(['push', name]);
  assert.match(pushed, /: Pushed\n1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
  await ok(['rmi', name]);
  assert.match(await ok(['pull', name]), /Status: Downloaded newer image for /);

  // stored credentials are tried first when none are given
  const again = await run(['login', basic.host]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stderr,
    new RegExp(
      `^Authenticating with existing credentials\\.\\.\\. \\[Username: alice\\]\\n\\n Info -> To login with a different account, run 'stowage logout' followed by 'stowage login'\\n`,
    ),
  );
  assert.equal(again.stdout, 'Login Succeeded\n');

  assert.equal(await ok(['logout', basic.host]), `Removing login credentials for ${basic.host}\n`);
  assert.deepEqual(config().auths, {});
  const before = await storeState();
  const gone = await run(['pull', `${basic.host}/base:1`]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no basic auth credentials/);
  assert.deepEqual(await storeState(), before);
});

test('login flags and terminals: what the docker CLI refuses before asking anything', async () => {
  const cases: Array<[string[], string | undefined, string]> = [
    [
      ['login', '-p', 'x', '--password-stdin', basic.host],
      '',
      'conflicting options: cannot specify both --password and --password-stdin\n',
    ],
    [['login', '--password-stdin', basic.host], '', 'the --password-stdin option requires --username to be set\n'],
    [['login', '-u', '', basic.host], '', 'username is empty\n'],
    [['login', '-u', 'alice', basic.host], '', 'Error: Cannot perform an interactive login from a non TTY device\n'],
  ];
  for (const [args, input, stderr] of cases) {
    const r = await run(args, input);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, stderr, args.join(' '));
  }
  const viaFlag = await run(['login', '-u', 'alice', '-p', 'secret', basic.host]);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.match(viaFlag.stderr, /^WARNING! Using --password via the CLI is insecure\. Use --password-stdin\.\n/);
  await ok(['logout', basic.host]);
});

test('TLS: the CA comes from certs.d, another CA is refused, client certificates are sent, insecure-registries turns verification off', async () => {
  await ok(['tag', 'busybox', `${mtls.host}/base:1`]);
  assert.match(await ok(['push', `${mtls.host}/base:1`]), /1: digest: sha256:/);
  const before = await storeState();
  // without certs.d the registry's CA is unknown; without the client certificate the registry refuses the handshake
  const noCa = await env.run(['pull', `${mtls.host}/base:1`], {
    env: { ...vars(), STOWAGE_CERTS_D: path.join(dir, 'empty') },
  });
  assert.equal(noCa.code, 1);
  assert.equal(noCa.stderr, `Error: Get "https://${mtls.host}/v2/": x509: certificate signed by unknown authority\n`);
  const onlyCa = path.join(dir, 'certs-only-ca');
  writeCertsD(onlyCa, mtls.host, ca);
  const noClient = await env.run(['pull', `${mtls.host}/other:1`], { env: { ...vars(), STOWAGE_CERTS_D: onlyCa } });
  assert.equal(noClient.code, 1);
  assert.match(
    noClient.stderr,
    new RegExp(`^Error: Get "https://${mtls.host}/v2/": (remote error: tls: |read: connection reset)`),
  );
  // a certificate from another CA: refused whatever the registry is
  const strange = await run(['pull', `${stranger.host}/x:1`]);
  assert.equal(strange.code, 1);
  assert.equal(
    strange.stderr,
    `Error: Get "https://${stranger.host}/v2/": x509: certificate signed by unknown authority\n`,
  );
  assert.deepEqual(await storeState(), before);
  // listed as insecure in daemon.json, its certificate is not checked (as Docker)
  fs.writeFileSync(daemonJson, JSON.stringify({ 'insecure-registries': [stranger.host] }));
  try {
    const insecure = await run(['pull', `${stranger.host}/x:1`]);
    assert.equal(insecure.code, 1);
    assert.match(insecure.stderr, /manifest for 127\.0\.0\.1:\d+\/x:1 not found: manifest unknown/);
  } finally {
    fs.rmSync(daemonJson);
  }
});

test('token auth: login trades the password for an identity token; pulls and pushes get tokens scoped per repository, a mount asks for both', async () => {
  const name = `${tokenReg.host}/base:1`;
  await ok(['tag', 'busybox', name]);
  const denied = await run(['push', name]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /^denied: requested access to the resource is denied\n$/);
  const wrong = await run(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'nope\n');
  assert.equal(wrong.code, 1);
  assert.equal(
    wrong.stderr,
    `Error: Get "https://${tokenReg.host}/v2/": unauthorized: incorrect username or password\n`,
  );

  const login = await run(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'hunter2\n');
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stderr, '', 'no password kept, no warning');
  const kept = config().auths[tokenReg.host];
  assert.equal(kept.auth, Buffer.from('bob:').toString('base64'));
  assert.match(kept.identitytoken, /^[0-9a-f]{32}$/);
  assert.ok(
    tokens.requests.some((r) => r.method === 'GET' && r.user === 'bob' && r.offline),
    'the login asked for an offline token',
  );

  tokens.requests.length = 0;
  assert.match(await ok(['push', name]), /: Pushed\n/);
  assert.ok(
    tokens.requests.every((r) => r.method === 'POST' && r.grant === 'refresh_token' && r.user === 'bob'),
    'the identity token, not the password',
  );
  assert.ok(tokens.requests.some((r) => r.scopes.includes('repository:base:pull,push')));

  tokens.requests.length = 0;
  await ok(['tag', 'busybox', `${tokenReg.host}/copy:1`]);
  const mounted = await ok(['push', `${tokenReg.host}/copy:1`]);
  assert.match(
    mounted,
    /^The push refers to repository \[127\.0\.0\.1:\d+\/copy\]\n([0-9a-f]{12}): Preparing\n\1: Mounted from base\n1: digest: /,
  );
  assert.ok(
    tokens.requests.some(
      (r) => r.scopes.includes('repository:base:pull') && r.scopes.includes('repository:copy:pull,push'),
    ),
    JSON.stringify(tokens.requests),
  );

  await ok(['rmi', name, `${tokenReg.host}/copy:1`]);
  assert.match(await ok(['pull', name]), /Status: Downloaded newer image for /);
  await ok(['logout', tokenReg.host]);
  const before = await storeState();
  const anonymous = await run(['pull', `${tokenReg.host}/copy:1`]);
  assert.equal(anonymous.code, 1);
  assert.equal(
    anonymous.stderr,
    `Error: pull access denied for ${tokenReg.host}/copy, repository does not exist or may require 'stowage login': denied: requested access to the resource is denied\n`,
  );
  assert.deepEqual(await storeState(), before);
});

test("an expired token is refused with the registry's words, a bad token answer with a clear one, and nothing is kept", async () => {
  await ok(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'hunter2\n');
  const before = await storeState();
  try {
    tokens.lie('expired');
    const expired = await run(['pull', `${tokenReg.host}/base:1`]);
    assert.equal(expired.code, 1, `${expired.stdout}${expired.stderr}`);
    assert.match(expired.stderr, /unauthorized: authentication required|invalid token/);
    tokens.lie('huge');
    const huge = await run(['pull', `${tokenReg.host}/base:1`]);
    assert.equal(huge.code, 1);
    assert.match(
      huge.stderr,
      /the token server's answer \(http:\/\/127\.0\.0\.1:\d+\) is larger than 1048576 bytes: refused/,
    );
    tokens.lie('garbage');
    const garbage = await run(['pull', `${tokenReg.host}/base:1`]);
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /the token server http:\/\/127\.0\.0\.1:\d+ answered no JSON/);
  } finally {
    tokens.lie(undefined);
    await ok(['logout', tokenReg.host]);
  }
  assert.deepEqual(await storeState(), before);
});

test('credential helpers: credsStore and credHelpers keep the secret, config.json only an empty entry', async () => {
  const all = writeHelper('every');
  const one = writeHelper('just-one');
  fs.mkdirSync(dockerConfig, { recursive: true });
  fs.writeFileSync(
    path.join(dockerConfig, 'config.json'),
    JSON.stringify({ credsStore: 'every', credHelpers: { [tokenReg.host]: 'just-one' }, psFormat: 'kept as it is' }),
  );
  const login = await run(['login', '-u', 'alice', '--password-stdin', basic.host], 'secret\n');
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stderr, '');
  assert.deepEqual(config().auths[basic.host], {});
  assert.equal(config().psFormat, 'kept as it is');
  const record = JSON.parse(fs.readFileSync(path.join(all, Buffer.from(basic.host).toString('hex')), 'utf8'));
  assert.deepEqual(record, { ServerURL: basic.host, Username: 'alice', Secret: 'secret' });
  assert.match(await ok(['push', `${basic.host}/base:1`]), /1: digest: /);

  // the token registry's own helper: an identity token is stored as <token>
  assert.equal((await run(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'hunter2\n')).code, 0);
  const tok = JSON.parse(fs.readFileSync(path.join(one, Buffer.from(tokenReg.host).toString('hex')), 'utf8'));
  assert.equal(tok.Username, '<token>');
  assert.match(tok.Secret, /^[0-9a-f]{32}$/);
  assert.ok(!fs.existsSync(path.join(all, Buffer.from(tokenReg.host).toString('hex'))), 'not in the general store');
  assert.match(await ok(['pull', `${tokenReg.host}/base:1`]), /Status: /);

  await ok(['logout', basic.host]);
  assert.ok(!fs.existsSync(path.join(all, Buffer.from(basic.host).toString('hex'))), 'erased from the helper');
  // a helper that is not there: a clear error
  fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'missing' }));
  const missing = await run(['push', `${basic.host}/base:1`]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /error getting credentials - err: exec: "docker-credential-missing": executable file not found in \$PATH/,
  );
  fs.rmSync(path.join(dockerConfig, 'config.json'));
});
