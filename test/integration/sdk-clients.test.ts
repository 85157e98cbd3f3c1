// Two SDKs from the npm registry drive stowage through `system service`, as
// programs that embed a container engine do: dockerode (the Engine API
// client most Node.js tools use) and testcontainers (containers for tests,
// with its log and port wait strategies).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { startService, TestEnv, type ApiService } from '../helpers';
import { buildTar } from '../tar-builder';

const env = new TestEnv('stowage-sdk-');
let api: ApiService;
let docker: Docker;

before(async () => {
  await env.baseImage('busybox:latest');
  api = await startService(env);
  docker = new Docker({ socketPath: api.socket });
  // testcontainers reads its engine from the environment; no reaper container (its image is not here)
  process.env.DOCKER_HOST = `unix://${api.socket}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.DOCKER_CONFIG = `${env.dir}/docker-config`;
});
after(async () => {
  await api.stop();
  env.cleanup();
});

const get = (port: number, p = '/'): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p }, (res) => {
        let body = '';
        res.on('data', (b: Buffer | string) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

/** The page, once the server in the container answers (a few seconds at most). */
async function getWhenUp(port: number): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      return await get(port);
    } catch (e) {
      if (i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Output of a dockerode exec, stdout and stderr apart. */
async function execOut(
  c: Docker.Container,
  cmd: string[],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const exec = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (b: Buffer | string) => (stdout += b.toString()));
  err.on('data', (b: Buffer | string) => (stderr += b.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((r) => stream.on('end', r));
  return { stdout, stderr, code: (await exec.inspect()).ExitCode };
}

test('dockerode: a web container waited for by its log, exec, files in and out, a network between two containers', async () => {
  const web = await docker.createContainer({
    Image: 'busybox',
    name: 'sdk-web',
    Cmd: ['sh', '-c', 'mkdir /www && echo lottery > /www/index.html && echo ready && exec httpd -f -p 8080 -h /www'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await web.start();
  const logs = await web.logs({ follow: true, stdout: true, stderr: true });
  await new Promise<void>((resolve) => {
    let seen = '';
    logs.on('data', (b: Buffer) => {
      seen += b.toString();
      if (seen.includes('ready')) resolve();
    });
  });
  (logs as unknown as { destroy(): void }).destroy();
  const info = await web.inspect();
  const port = Number(info.NetworkSettings.Ports['8080/tcp'][0].HostPort);
  assert.ok(port > 0);
  assert.deepEqual(await getWhenUp(port), { status: 200, body: 'lottery\n' });

  assert.deepEqual(await execOut(web, ['sh', '-c', 'echo out; echo err >&2; exit 3']), {
    stdout: 'out\n',
    stderr: 'err\n',
    code: 3,
  });

  const tar = buildTar([{ name: 'hello.txt', data: 'from the host\n' }]);
  await web.putArchive(tar, { path: '/tmp' });
  assert.equal((await execOut(web, ['cat', '/tmp/hello.txt'])).stdout, 'from the host\n');
  const archive = await web.getArchive({ path: '/www/index.html' });
  const chunks: Buffer[] = [];
  for await (const c of archive) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  assert.equal(bytes.subarray(0, 10).toString('utf8').replace(/\0.*/, ''), 'index.html');
  assert.ok(bytes.includes(Buffer.from('lottery\n')));

  const net = await docker.createNetwork({ Name: 'sdk-net', Labels: { from: 'dockerode' } });
  const db = await docker.createContainer({
    Image: 'busybox',
    name: 'sdk-db',
    Cmd: ['sleep', '300'],
    HostConfig: { NetworkMode: 'sdk-net' },
    NetworkingConfig: { EndpointsConfig: { 'sdk-net': { Aliases: ['database'] } } },
  });
  await db.start();
  await net.connect({ Container: 'sdk-web' });
  const ping = await execOut(web, ['ping', '-c', '1', '-W', '5', 'database']);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  assert.equal((await net.inspect()).Labels?.from, 'dockerode');
  for (const c of [web, db]) await c.remove({ force: true });
  await net.remove();
  assert.deepEqual(await docker.listContainers({ all: true }), []);
});

test('testcontainers: log and port wait strategies, exec, copy in and out, a network with aliases', async () => {
  const network = await new Network().start();
  const server = await new GenericContainer('busybox:latest')
    .withCommand([
      'sh',
      '-c',
      'mkdir /www && echo served > /www/index.html && echo server up && exec httpd -f -p 8080 -h /www',
    ])
    .withExposedPorts(8080)
    .withNetwork(network)
    .withNetworkAliases('backend')
    .withWaitStrategy(Wait.forLogMessage('server up'))
    .start();
  const port = server.getMappedPort(8080);
  assert.deepEqual(await getWhenUp(port), { status: 200, body: 'served\n' });

  const client = await new GenericContainer('busybox:latest')
    .withCommand(['sh', '-c', 'exec httpd -f -p 9090 -h /'])
    .withExposedPorts(9090)
    .withNetwork(network)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  const fetched = await client.exec(['wget', '-q', '-O', '-', 'http://backend:8080/']);
  assert.deepEqual([fetched.exitCode, fetched.output], [0, 'served\n']);

  await client.copyContentToContainer([{ content: 'copied in\n', target: '/tmp/in.txt' }]);
  assert.equal((await client.exec(['cat', '/tmp/in.txt'])).output, 'copied in\n');
  const out = await client.copyArchiveFromContainer('/tmp/in.txt');
  const parts: Buffer[] = [];
  for await (const c of out) parts.push(c as Buffer);
  assert.ok(Buffer.concat(parts).includes(Buffer.from('copied in\n')));

  await client.stop();
  await server.stop();
  await network.stop();
  assert.deepEqual((await env.ok(['ps', '-aq'])).trim(), '');
});
