// docker-compose 1.29 (Debian's) drives a two-service project through the
// Engine API: a service built from a Dockerfile with a HEALTHCHECK, a named
// volume, a published port, and a second service that waits for the first to
// be healthy and reaches it by its service name. The same scenario runs
// against Docker 20.10, to show the test asks for what Docker does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { capture } from '../../src/util/capture';
import { freePort, startService, TestEnv, baseTarball, type ApiService } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-compose-');
let api: ApiService;
let docker: DockerDaemon;

const COMPOSE = `version: "2.4"
services:
  web:
    build: ./web
    ports:
      - "127.0.0.1:\${WEB_PORT}:80"
    volumes:
      - data:/www/data
  app:
    image: busybox:latest
    command: ["sh", "-c", "echo app up; exec sleep 300"]
    depends_on:
      web:
        condition: service_healthy
volumes:
  data: {}
`;

const DOCKERFILE = `FROM busybox:latest
RUN mkdir -p /www && echo '<h1>lottery</h1>' > /www/index.html
HEALTHCHECK --interval=1s --timeout=3s --retries=5 CMD wget -q -O /dev/null http://127.0.0.1/ || exit 1
CMD ["httpd", "-f", "-p", "80", "-h", "/www"]
`;

before(async () => {
  await env.baseImage('busybox:latest');
  api = await startService(env);
  docker = await startDockerDaemon({
    bridge: true,
    extraArgs: ['--default-address-pool', 'base=10.214.0.0/16,size=24'],
  });
  const imported = await docker.docker(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
  assert.equal(imported.code, 0, imported.stderr);
  const project = path.join(env.dir, 'lesson');
  fs.mkdirSync(path.join(project, 'web'), { recursive: true });
  fs.writeFileSync(path.join(project, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(path.join(project, 'web', 'Dockerfile'), DOCKERFILE);
});
after(async () => {
  await api.stop();
  await docker.stop();
  env.cleanup();
});

const get = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.on('data', (b: Buffer | string) => (body += b.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });

async function scenario(dockerHost: string, engine: string): Promise<void> {
  const port = await freePort();
  const project = path.join(env.dir, 'lesson');
  const compose = (args: string[]) =>
    capture('docker-compose', ['-p', 'lesson', ...args], {
      cwd: project,
      env: {
        ...(process.env as Record<string, string>),
        DOCKER_HOST: dockerHost,
        WEB_PORT: String(port),
        COMPOSE_DOCKER_CLI_BUILD: '0',
        DOCKER_BUILDKIT: '0',
        COMPOSE_INTERACTIVE_NO_CLI: '1',
      },
      timeoutMs: 300_000,
    });
  const cli = (args: string[]) =>
    capture('docker', args, {
      env: { ...(process.env as Record<string, string>), DOCKER_HOST: dockerHost },
      timeoutMs: 60_000,
    });
  const up = await compose(['up', '-d']);
  assert.equal(up.code, 0, `${engine}: up: ${up.stderr}`);
  assert.match(up.stderr, /Creating network "lesson_default" with the default driver/);
  assert.match(up.stderr, /Creating lesson_app_1 \.\.\. done/);
  // app started only once web was healthy
  const health = await cli(['inspect', '-f', '{{.State.Health.Status}}', 'lesson_web_1']);
  assert.equal(health.stdout.trim(), 'healthy', `${engine}: ${health.stderr}`);
  assert.equal(await get(port), '<h1>lottery</h1>\n');
  const ps = await compose(['ps']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /lesson_web_1\s+httpd -f -p 80 -h \/www\s+Up \(healthy\)\s+127\.0\.0\.1:\d+->80\/tcp/);
  assert.match(ps.stdout, /lesson_app_1\s+sh -c echo app up; exec .*\s+Up/);
  const reach = await compose(['exec', '-T', 'app', 'wget', '-q', '-O', '-', 'http://web/']);
  assert.deepEqual([reach.code, reach.stdout], [0, '<h1>lottery</h1>\n'], `${engine}: ${reach.stderr}`);
  const logs = await compose(['logs', '--no-color', 'app']);
  assert.match(logs.stdout, /app_1\s+\| app up/);
  const down = await compose(['down', '-v', '--rmi', 'local']);
  assert.equal(down.code, 0, `${engine}: down: ${down.stderr}`);
  assert.match(down.stderr, /Removing network lesson_default/);
  assert.match(down.stderr, /Removing volume lesson_data/);
  assert.match(down.stderr, /Removing image lesson_web/);
  assert.equal((await cli(['ps', '-aq'])).stdout, '');
  assert.equal((await cli(['network', 'ls', '-q', '--filter', 'name=lesson'])).stdout, '');
  assert.equal((await cli(['volume', 'ls', '-q'])).stdout, '');
  assert.equal((await cli(['images', '-q', 'lesson_web'])).stdout, '');
}

test('compose up/ps/exec/logs/down against Docker 20.10 (the reference)', async () => {
  await scenario(docker.host, 'docker');
});

test('compose up/ps/exec/logs/down against stowage', async () => {
  await scenario(`unix://${api.socket}`, 'stowage');
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});
