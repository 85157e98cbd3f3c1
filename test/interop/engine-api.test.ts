// `stowage system service`: the real docker CLI (DOCKER_HOST=unix://...) drives
// stowage through the Engine API, on the same store the stowage CLI uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { capture, type Captured } from '../../src/util/capture';
import { FRONT_END, TestEnv } from '../helpers';
import { startRegistry } from '../reference/registry';

const env = new TestEnv('stowage-api-');
let service: ChildProcess;
let socket: string;
let imageId: string;

function docker(args: string[], input?: string): Promise<Captured> {
  return capture('docker', args, {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(env.dir, 'docker-config') },
    input,
    timeoutMs: 60_000,
  });
}

async function dockerOk(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input);
  if (r.code !== 0)
    throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  imageId = await env.baseImage('busybox:latest');
  socket = path.join(env.dir, 'api.sock');
  service = spawn(FRONT_END, ['system', 'service', `unix://${socket}`], {
    env: env.env,
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
  if (service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

test('docker version and images speak to stowage, on the store the stowage CLI uses', async () => {
  const v = await dockerOk(['version', '--format', '{{.Server.Platform.Name}} {{.Server.APIVersion}}']);
  assert.equal(v, 'stowage 1.41\n');
  assert.equal((await dockerOk(['images', '-q', '--no-trunc'])).trim(), imageId);
  assert.equal(
    (await dockerOk(['image', 'inspect', '-f', '{{.Id}} {{index .RepoTags 0}}', 'busybox'])).trim(),
    `${imageId} busybox:latest`,
  );
  assert.match(await dockerOk(['history', 'busybox']), /busybox-static base image/);
});

test('docker run in the foreground: its streams apart and its exit code; run -d, ps, logs, exec, stop, rm', async () => {
  const fg = await docker([
    'run',
    '--rm',
    '--network',
    'none',
    'busybox',
    'sh',
    '-c',
    'echo out; echo err >&2; exit 3',
  ]);
  assert.equal(fg.code, 3);
  assert.equal(fg.stdout, 'out\n');
  assert.equal(fg.stderr, 'err\n');
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', '--rm removed it');
  const id = (
    await dockerOk([
      'run',
      '-d',
      '--name',
      'api-web',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'echo hello; exec sleep 100',
    ])
  ).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  // the stowage CLI sees what the docker CLI made
  assert.equal((await env.ok(['ps', '--format', '{{.Names}} {{.State}}'])).trim(), 'api-web running');
  assert.match(
    await dockerOk(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}}']),
    new RegExp(`^${id.slice(0, 12)} api-web Up `),
  );
  for (let i = 0; i < 50 && !(await dockerOk(['logs', 'api-web'])).includes('hello'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await dockerOk(['logs', 'api-web']), 'hello\n');
  const ex = await docker(['exec', 'api-web', 'sh', '-c', 'echo in-exec; echo e >&2; exit 4']);
  assert.deepEqual([ex.code, ex.stdout, ex.stderr], [4, 'in-exec\n', 'e\n']);
  assert.equal(await dockerOk(['exec', '-i', 'api-web', 'cat'], 'piped\n'), 'piped\n');
  const missing = await docker(['exec', 'api-web', 'nope']);
  assert.equal(missing.code, 127);
  assert.match(missing.stdout, /executable file not found in \$PATH/);
  assert.equal(
    (await dockerOk(['inspect', '-f', '{{.State.Status}} {{.Name}}', 'api-web'])).trim(),
    'running /api-web',
  );
  const rmi = await docker(['rmi', 'busybox']);
  assert.equal(rmi.code, 1);
  assert.equal(
    rmi.stderr,
    `Error response from daemon: conflict: unable to remove repository reference "busybox" (must force) - container ${id.slice(0, 12)} is using its referenced image ${imageId.slice(7, 19)}\n`,
  );
  assert.equal(await dockerOk(['stop', '-t', '1', 'api-web']), 'api-web\n');
  assert.equal(
    (await dockerOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'api-web'])).trim(),
    'exited 137',
  );
  assert.equal(await dockerOk(['rm', 'api-web']), 'api-web\n');
  const gone = await docker(['inspect', 'api-web']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /No such object: api-web/);
});

test('docker save, rmi and load through the API give the same image', async () => {
  const file = path.join(env.dir, 'api-save.tar');
  await dockerOk(['tag', 'busybox', 'api/tagged:1']);
  await dockerOk(['save', '-o', file, 'api/tagged:1']);
  assert.ok(fs.statSync(file).size > 1_000_000);
  assert.equal(await dockerOk(['rmi', 'api/tagged:1']), 'Untagged: api/tagged:1\n');
  assert.equal(await dockerOk(['load', '-i', file]), 'Loaded image: api/tagged:1\n');
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'api/tagged:1'])).trim(), imageId);
});

test('docker diff, commit and build (the classic builder) through the API', async () => {
  await dockerOk([
    'run',
    '-d',
    '--name',
    'api-changed',
    '--network',
    'none',
    'busybox',
    'sh',
    '-c',
    'echo x > /added; rm /bin/vi; exec sleep 100',
  ]);
  for (let i = 0; i < 50 && !(await dockerOk(['diff', 'api-changed'])).includes('/added'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await dockerOk(['diff', 'api-changed']), await env.ok(['diff', 'api-changed']));
  assert.match(await dockerOk(['diff', 'api-changed']), /^A \/added$/m);
  const id = (await dockerOk(['commit', '-m', 'through the API', 'api-changed', 'api/committed:1'])).trim();
  assert.equal(
    (await env.ok(['image', 'inspect', '-f', '{{.Id}} {{.Comment}}', 'api/committed:1'])).trim(),
    `${id} through the API`,
  );
  await dockerOk(['rm', '-f', 'api-changed']);
  const ctxDir = path.join(env.dir, 'api-build');
  fs.mkdirSync(ctxDir);
  fs.writeFileSync(
    path.join(ctxDir, 'Dockerfile'),
    'FROM busybox\nCOPY page.html /www/\nRUN echo built > /www/built\nCMD ["cat", "/www/page.html", "/www/built"]\n',
  );
  fs.writeFileSync(path.join(ctxDir, 'page.html'), 'page\n');
  const built = await docker(['build', '--network', 'none', '-t', 'api/built:1', ctxDir]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(
    built.stdout,
    /Step 1\/4 : FROM busybox\n[\s\S]*Step 3\/4 : RUN echo built > \/www\/built\n ---> Running in [0-9a-f]{12}\n[\s\S]*Successfully tagged api\/built:1\n/,
  );
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'api/built:1']), 'page\nbuilt\n');
  const failed = await docker(['build', '--network', 'none', '-'], 'FROM busybox\nRUN exit 7\n');
  assert.equal(failed.code, 7);
  assert.match(failed.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
});

test('docker cp through the API, both ways', async () => {
  await dockerOk(['run', '-d', '--name', 'api-cp', '--network', 'none', 'busybox', 'sleep', '100']);
  const out = path.join(env.dir, 'cp-out');
  fs.mkdirSync(out);
  await dockerOk(['cp', 'api-cp:/etc/passwd', `${out}/`]);
  assert.equal(
    fs.readFileSync(path.join(out, 'passwd'), 'utf8'),
    await env.ok(['exec', 'api-cp', 'cat', '/etc/passwd']),
  );
  const tree = path.join(env.dir, 'cp-in');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'sub', 'f'), 'deep\n');
  await dockerOk(['cp', tree, 'api-cp:/newdir']);
  assert.equal(await env.ok(['exec', 'api-cp', 'cat', '/newdir/sub/f']), 'deep\n');
  const missing = await docker(['cp', 'api-cp:/nope', `${out}/`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Could not find the file \/nope in container api-cp/);
  await dockerOk(['rm', '-f', 'api-cp']);
});

test('docker push and pull through the API, to a real registry', async () => {
  const reg = await startRegistry();
  try {
    const name = `${reg.host}/api:1`;
    await dockerOk(['tag', 'busybox', name]);
    const pushed = await dockerOk(['push', name]);
    assert.match(
      pushed,
      new RegExp(
        `^The push refers to repository \\[${reg.host}/api\\]\n[\\s\\S]*: Pushed\n1: digest: sha256:[0-9a-f]{64} size: \\d+\n$`,
      ),
    );
    await dockerOk(['rmi', name]);
    const pulled = await dockerOk(['pull', name]);
    assert.match(pulled, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${name}\n${name}\n$`));
    assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), imageId);
  } finally {
    await reg.stop();
  }
});

test('a container with a terminal follows the size the client gives it', async () => {
  const id = (
    await dockerOk([
      'run',
      '-d',
      '-t',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'sleep 1; stty size; exec sleep 100',
    ])
  ).trim();
  assert.equal(await rawStatus('POST', `/v1.41/containers/${id}/resize?h=33&w=77`), 200);
  for (let i = 0; i < 50 && !(await dockerOk(['logs', id])).includes('33'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await dockerOk(['logs', id]), '33 77\r\n');
  await dockerOk(['rm', '-f', id]);
});

/** A raw request on the service's socket: its status. */
function rawStatus(method: string, urlPath: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: urlPath }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

test('the service outlives bad requests and clients that go away; failed starts of --rm containers clean up; exec -d', async () => {
  assert.equal(await rawStatus('GET', '/v1.41/containers/%E0/json'), 400);
  assert.equal(await rawStatus('GET', '/v1.41/images/json?filters=%7Bnot-json'), 400);
  // a client killed while its container keeps printing
  const chatty = spawn(
    'docker',
    ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'while true; do echo lots of output; done'],
    {
      env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(env.dir, 'docker-config') },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await new Promise((r) => chatty.stdout.once('data', r));
  chatty.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(service.exitCode, null, 'the service is still up');
  assert.equal((await dockerOk(['version', '--format', '{{.Server.Platform.Name}}'])).trim(), 'stowage');
  await dockerOk(['rm', '-f', ...(await dockerOk(['ps', '-aq'])).trim().split('\n').filter(Boolean)]).catch(() => '');
  // a --rm container whose command does not exist: Docker's 127, and it is gone
  const missing = await docker(['run', '--rm', '--network', 'none', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
  // exec -d: the process runs on in the container
  await dockerOk(['run', '-d', '--name', 'api-execd', '--network', 'none', 'busybox', 'sleep', '100']);
  await dockerOk(['exec', '-d', 'api-execd', 'sh', '-c', 'echo detached > /tmp/d']);
  for (let i = 0; i < 50 && (await docker(['exec', 'api-execd', 'cat', '/tmp/d'])).code !== 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await dockerOk(['exec', 'api-execd', 'cat', '/tmp/d']), 'detached\n');
  await dockerOk(['rm', '-f', 'api-execd']);
});

test('the service stops on SIGTERM and takes its socket away', async () => {
  service.kill('SIGTERM');
  const code = await new Promise((r) => service.once('exit', r));
  assert.equal(code, 0);
  assert.ok(!fs.existsSync(socket));
});
