// The registries of registry-auth.test.ts (Debian's docker-registry behind
// TLS from the test's CA: htpasswd, client certificates, token auth) used by
// skopeo and by Docker 20.10 too, to show the setup is right and that what
// stowage pushes they read and the other way round; a registry mirror for
// Docker Hub used by Docker as by stowage; and the docker CLI 28 logging in
// and pushing through `stowage system service` (POST /auth, X-Registry-Auth).
//
// Needs root and scripts/setup.sh --with-references: fails, never skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { capture, type Captured } from '../../src/util/capture';
import { baseTarball, FRONT_END, TestEnv } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';
import { startRegistry, type Registry } from '../reference/registry';
import { makeCa, writeCertsD, type Ca } from '../reference/tls';
import { startTokenServer, type TokenServer } from '../reference/token-server';

const env = new TestEnv('stowage-regauth-i-');
const conf = path.join(env.dir, 'conf');
const certsD = path.join(conf, 'certs.d');
const dockerConfig = path.join(conf, 'docker');
let ca: Ca;
let basic: Registry;
let mtls: Registry;
let tokenReg: Registry;
let mirror: Registry;
let tokens: TokenServer;
let docker: DockerDaemon;
let service: ChildProcess;
let socket: string;
let baseId: string;

const vars = () => ({
  DOCKER_CONFIG: dockerConfig,
  STOWAGE_CERTS_D: certsD,
  STOWAGE_DAEMON_JSON: path.join(conf, 'daemon.json'),
  STOWAGE_REGISTRIES_CONF: path.join(conf, 'registries.conf'),
});
const ok = (args: string[], input?: string) => env.ok(args, { env: vars(), input });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const skopeo = (args: string[]) => capture('skopeo', args, { timeoutMs: 120_000 });
/** The docker CLI 28 against stowage's Engine API. */
const viaApi = (args: string[], input?: string): Promise<Captured> =>
  capture('docker', args, {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(conf, 'docker-cli-28') },
    input,
    timeoutMs: 120_000,
  });

before(async () => {
  fs.mkdirSync(conf, { recursive: true });
  baseId = await env.baseImage('busybox:latest');
  ca = makeCa(conf, 'interop CA');
  const server = ca.issue('registry', { server: true });
  tokens = await startTokenServer({ users: { bob: 'hunter2' }, signer: ca.issue('token signer', {}) });
  [basic, mtls, tokenReg, mirror] = await Promise.all([
    startRegistry({ htpasswd: { alice: 'secret' }, tls: { server } }),
    startRegistry({ tls: { server, clientCas: [ca.cert] } }),
    startRegistry({
      tls: { server },
      token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: ca.cert },
    }),
    startRegistry(),
  ]);
  const client = ca.issue('client', { client: true });
  for (const r of [basic, tokenReg]) writeCertsD(certsD, r.host, ca);
  writeCertsD(certsD, mtls.host, ca, client);
  docker = await startDockerDaemon({ extraArgs: ['--registry-mirror', `http://${mirror.host}`] });
  socket = path.join(env.dir, 'api.sock');
  service = spawn(FRONT_END, ['system', 'service', `unix://${socket}`], {
    env: { ...env.env, ...vars() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  service.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  for (
    const deadline = Date.now() + 30_000;
    !stderr.includes('API listening');
    await new Promise((r) => setTimeout(r, 50))
  ) {
    if (Date.now() > deadline || service.exitCode !== null) throw new Error(`the service did not start: ${stderr}`);
  }
});
after(async () => {
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }
  await docker?.stop();
  await Promise.all([basic, mtls, tokenReg, mirror].map((r) => r?.stop()));
  await tokens?.stop();
  env.cleanup();
});

test('htpasswd over TLS: skopeo reads what stowage pushed (same digest and config), Docker 20.10 logs in, pushes, and stowage pulls it', async () => {
  await ok(['login', '-u', 'alice', '--password-stdin', basic.host], 'secret\n');
  await ok(['tag', 'busybox', `${basic.host}/from-stowage:1`]);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(await ok(['push', `${basic.host}/from-stowage:1`]))![1];
  const certDir = path.join(certsD, basic.host);
  const inspected = await skopeo([
    'inspect',
    '--creds',
    'alice:secret',
    '--cert-dir',
    certDir,
    `docker://${basic.host}/from-stowage:1`,
  ]);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal(JSON.parse(inspected.stdout).Digest, digest);
  const config = execFileSync('skopeo', [
    'inspect',
    '--config',
    '--raw',
    '--creds',
    'alice:secret',
    '--cert-dir',
    certDir,
    `docker://${basic.host}/from-stowage:1`,
  ]);
  assert.equal(sha(config), baseId);
  // skopeo, too, refuses the registry without its CA and without credentials
  const noCa = await skopeo([
    'inspect',
    '--creds',
    'alice:secret',
    '--cert-dir',
    path.join(conf, 'empty'),
    `docker://${basic.host}/from-stowage:1`,
  ]);
  assert.notEqual(noCa.code, 0);
  assert.match(noCa.stderr, /x509: certificate signed by unknown authority/);
  const noCreds = await skopeo(['inspect', '--cert-dir', certDir, `docker://${basic.host}/from-stowage:1`]);
  assert.notEqual(noCreds.code, 0);

  // Docker 20.10 (the docker CLI 28 as its client)
  const wrong = await docker.docker(['login', '-u', 'alice', '--password-stdin', basic.host], { input: 'wrong\n' });
  assert.equal(
    wrong.stderr,
    `Error response from daemon: login attempt to https://${basic.host}/v2/ failed with status: 401 Unauthorized\n`,
  );
  const mine = await env.run(['login', '-u', 'alice', '--password-stdin', basic.host], {
    env: { ...vars(), DOCKER_CONFIG: path.join(conf, 'other') },
    input: 'wrong\n',
  });
  assert.equal(mine.stderr, wrong.stderr.replace('Error response from daemon: ', 'Error: '), 'the same words');
  assert.equal(
    await docker.ok(['login', '-u', 'alice', '--password-stdin', basic.host], { input: 'secret\n' }),
    'Login Succeeded\n',
  );
  await docker.ok(['import', baseTarball(), `${basic.host}/from-docker:1`]);
  const pushed = await docker.ok(['push', `${basic.host}/from-docker:1`]);
  const dockerDigest = /1: digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1];
  const pulled = await ok(['pull', `${basic.host}/from-docker:1`]);
  assert.match(pulled, new RegExp(`Digest: ${dockerDigest}\\n`));
  assert.equal(
    (await ok(['image', 'inspect', '-f', '{{.Id}}', `${basic.host}/from-docker:1`])).trim(),
    (await docker.ok(['image', 'inspect', '-f', '{{.Id}}', `${basic.host}/from-docker:1`])).trim(),
  );
  // and Docker pulls what stowage pushed
  await docker.ok(['pull', `${basic.host}/from-stowage:1`]);
  assert.equal((await docker.ok(['image', 'inspect', '-f', '{{.Id}}', `${basic.host}/from-stowage:1`])).trim(), baseId);
});

// (Docker 20.10 reads certs.d only for registries it holds secure, and 127.0.0.0/8
// never is one: it sends no client certificate there, so skopeo alone shows this side)
test("client certificates: skopeo uses certs.d's client.cert as stowage does", async () => {
  await ok(['tag', 'busybox', `${mtls.host}/base:1`]);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(await ok(['push', `${mtls.host}/base:1`]))![1];
  const withCert = await skopeo([
    'inspect',
    '--cert-dir',
    path.join(certsD, mtls.host),
    `docker://${mtls.host}/base:1`,
  ]);
  assert.equal(withCert.code, 0, withCert.stderr);
  assert.equal(JSON.parse(withCert.stdout).Digest, digest);
  const caOnly = path.join(conf, 'ca-only');
  writeCertsD(caOnly, mtls.host, ca);
  const without = await skopeo(['inspect', '--cert-dir', path.join(caOnly, mtls.host), `docker://${mtls.host}/base:1`]);
  assert.notEqual(without.code, 0, 'the registry wants a client certificate');
  await ok(['rmi', `${mtls.host}/base:1`]);
  assert.match(await ok(['pull', `${mtls.host}/base:1`]), new RegExp(`Digest: ${digest}`));
});

test('token auth: skopeo and Docker 20.10 get tokens from the same server; what each pushed the others pull', async () => {
  await ok(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'hunter2\n');
  await ok(['tag', 'busybox', `${tokenReg.host}/from-stowage:1`]);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(await ok(['push', `${tokenReg.host}/from-stowage:1`]))![1];
  const inspected = await skopeo([
    'inspect',
    '--creds',
    'bob:hunter2',
    '--cert-dir',
    path.join(certsD, tokenReg.host),
    `docker://${tokenReg.host}/from-stowage:1`,
  ]);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal(JSON.parse(inspected.stdout).Digest, digest);
  const copied = await skopeo([
    'copy',
    '--dest-creds',
    'bob:hunter2',
    '--dest-cert-dir',
    path.join(certsD, tokenReg.host),
    `docker-archive:${await savedArchive()}`,
    `docker://${tokenReg.host}/from-skopeo:1`,
  ]);
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(await ok(['pull', `${tokenReg.host}/from-skopeo:1`]), /Status: Downloaded newer image for /);

  const wrong = await docker.docker(['login', '-u', 'bob', '--password-stdin', tokenReg.host], { input: 'nope\n' });
  assert.match(wrong.stderr, /unauthorized: incorrect username or password/);
  assert.equal(
    await docker.ok(['login', '-u', 'bob', '--password-stdin', tokenReg.host], { input: 'hunter2\n' }),
    'Login Succeeded\n',
  );
  const dockerPulled = await docker.docker(['pull', `${tokenReg.host}/from-stowage:1`]);
  assert.equal(dockerPulled.code, 0, dockerPulled.stderr);
  assert.match(dockerPulled.stdout, new RegExp(`Digest: ${digest}`));
});

async function savedArchive(): Promise<string> {
  const file = path.join(env.dir, 'busybox.tar');
  if (!fs.existsSync(file)) await ok(['save', '-o', file, 'busybox']);
  return file;
}

test('a registry mirror for Docker Hub: Docker 20.10 and stowage pull the same image through it', async () => {
  await ok(['tag', 'busybox', `${mirror.host}/library/busybox:mirrored`]);
  await ok(['push', `${mirror.host}/library/busybox:mirrored`]);
  const d = await docker.docker(['pull', 'busybox:mirrored']);
  assert.equal(d.code, 0, d.stderr);
  fs.writeFileSync(path.join(conf, 'daemon.json'), JSON.stringify({ 'registry-mirrors': [`http://${mirror.host}`] }));
  try {
    await ok(['rmi', `${mirror.host}/library/busybox:mirrored`]);
    const s = await ok(['pull', 'busybox:mirrored']);
    assert.equal(/Digest: (sha256:[0-9a-f]{64})/.exec(s)![1], /Digest: (sha256:[0-9a-f]{64})/.exec(d.stdout)![1]);
    assert.equal(
      (await ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox:mirrored'])).trim(),
      (await docker.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox:mirrored'])).trim(),
    );
  } finally {
    fs.rmSync(path.join(conf, 'daemon.json'));
  }
});

test('the docker CLI 28 through stowage system service: login (POST /auth) and push to the htpasswd registry, pull from the token registry', async () => {
  const wrong = await viaApi(['login', '-u', 'alice', '--password-stdin', basic.host], 'wrong\n');
  assert.equal(wrong.code, 1);
  assert.equal(
    wrong.stderr,
    `Error response from daemon: login attempt to https://${basic.host}/v2/ failed with status: 401 Unauthorized\n`,
  );
  const login = await viaApi(['login', '-u', 'alice', '--password-stdin', basic.host], 'secret\n');
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, 'Login Succeeded\n');
  await ok(['tag', 'busybox', `${basic.host}/via-api:1`]);
  const pushed = await viaApi(['push', `${basic.host}/via-api:1`]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(
    pushed.stdout,
    new RegExp(
      `^The push refers to repository \\[${basic.host}/via-api\\]\\n[\\s\\S]*1: digest: (sha256:[0-9a-f]{64}) size: \\d+\\n$`,
    ),
  );
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)![1];
  const inspected = await skopeo([
    'inspect',
    '--creds',
    'alice:secret',
    '--cert-dir',
    path.join(certsD, basic.host),
    `docker://${basic.host}/via-api:1`,
  ]);
  assert.equal(JSON.parse(inspected.stdout).Digest, digest);
  // without credentials the API refuses as Docker's daemon does
  const anonymous = await capture('docker', ['push', `${basic.host}/via-api:1`], {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(conf, 'nobody') },
    timeoutMs: 60_000,
  });
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /no basic auth credentials/);

  // token auth: the CLI keeps the identity token the service obtained, and sends it back to pull
  const tokLogin = await viaApi(['login', '-u', 'bob', '--password-stdin', tokenReg.host], 'hunter2\n');
  assert.equal(tokLogin.code, 0, tokLogin.stderr);
  const kept = JSON.parse(fs.readFileSync(path.join(conf, 'docker-cli-28', 'config.json'), 'utf8')).auths[
    tokenReg.host
  ];
  assert.match(kept.identitytoken, /^[0-9a-f]{32}$/);
  await ok(['rmi', `${tokenReg.host}/from-stowage:1`]);
  const pulled = await viaApi(['pull', `${tokenReg.host}/from-stowage:1`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, /Status: Downloaded newer image for /);
});
