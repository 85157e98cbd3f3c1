// What a container or an image can put in stowage's way besides path races:
// a FIFO or a device where the user database should be, setuid files and
// device nodes to copy out, readers that go away while a container is frozen
// for a copy, and a copy killed outright.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FRONT_END, startService, TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

/** runc's own view of a container: "running" or "paused". */
function runcStatus(id: string): string {
  const r = spawnSync('runc', ['--root', path.join(env.runroot, 'runc'), 'state', id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).status;
}

const idOf = async (name: string) => (await env.ok(['inspect', '-f', '{{.Id}}', name])).trim();

test('an image whose /etc/passwd is a FIFO, or /etc/group a device, or either is huge: the start fails at once with a message', async () => {
  await env.ok(['run', '--name', 'fifo-maker', 'busybox', 'sh', '-c', 'rm /etc/passwd && mkfifo /etc/passwd']);
  await env.ok(['commit', 'fifo-maker', 'fifo:1']);
  await env.ok(['run', '--name', 'zero-maker', 'busybox', 'sh', '-c', 'rm /etc/group && mknod /etc/group c 1 5']);
  await env.ok(['commit', 'zero-maker', 'zero:1']);
  // neither is a user database: the start fails at once, saying why (runc would hang on the FIFO too)
  const fifo = await env.run(['run', '--rm', 'fifo:1', 'true'], { timeoutMs: 60_000 });
  assert.equal(fifo.code, 125);
  assert.match(fifo.stderr, /Error: unable to read \/etc\/passwd of the image: it is a named pipe, not a regular file/);
  const zero = await env.run(['run', '--rm', '-u', '5:6', 'zero:1', 'true'], { timeoutMs: 60_000 });
  assert.equal(zero.code, 125);
  assert.match(
    zero.stderr,
    /Error: unable to read \/etc\/group of the image: it is a character device, not a regular file/,
  );
  // a user database too large to be one is refused by name
  await env.ok([
    'run',
    '--name',
    'big-maker',
    'busybox',
    'sh',
    '-c',
    'head -c 5000000 /dev/zero | tr "\\0" "#" >> /etc/passwd',
  ]);
  await env.ok(['commit', 'big-maker', 'bigpasswd:1']);
  const big = await env.run(['run', '--rm', 'bigpasswd:1', 'true'], { timeoutMs: 60_000 });
  assert.equal(big.code, 125);
  assert.match(big.stderr, /Error: unable to read \/etc\/passwd of the image: it is larger than 4194304 bytes/);
  await env.ok(['rm', 'fifo-maker', 'zero-maker', 'big-maker']);
});

test('cp out: files belong to the caller (SUDO_UID/SUDO_GID) without setuid bits; device nodes only with -a', async () => {
  await env.ok(['run', '-d', '--name', 'modes', 'busybox', 'sleep', '600']);
  await env.ok([
    'exec',
    'modes',
    'sh',
    '-c',
    'mkdir /d && echo s > /d/suid && chmod 4755 /d/suid && echo g > /d/sgid && chown 7:8 /d/sgid && chmod 2711 /d/sgid && mknod /d/null c 1 3',
  ]);
  const host = path.join(env.dir, 'modes');
  fs.mkdirSync(host);
  const sudo = { SUDO_UID: '1234', SUDO_GID: '2345' };
  await env.ok(['cp', 'modes:/d/suid', path.join(host, 'suid')], { env: sudo });
  let st = fs.statSync(path.join(host, 'suid'));
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [1234, 2345, '755']);
  // a directory holding a device node: refused, naming it
  const dev = await env.run(['cp', 'modes:/d', path.join(host, 'd')], { env: sudo });
  assert.equal(dev.code, 1);
  assert.match(dev.stderr, /refusing to copy a device node out of the container without -a: d\/null/);
  // with -a: owners, modes and the device as they are
  await env.ok(['cp', '-a', 'modes:/d', path.join(host, 'd-archive')], { env: sudo });
  st = fs.statSync(path.join(host, 'd-archive', 'sgid'));
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [7, 8, '2711']);
  assert.equal((fs.statSync(path.join(host, 'd-archive', 'suid')).mode & 0o7777).toString(8), '4755');
  assert.ok(fs.statSync(path.join(host, 'd-archive', 'null')).isCharacterDevice());
  // without sudo: root's
  await env.ok(['exec', 'modes', 'rm', '/d/null']);
  await env.ok(['cp', 'modes:/d', path.join(host, 'd-plain')], { env: { SUDO_UID: '', SUDO_GID: '' } });
  st = fs.statSync(path.join(host, 'd-plain', 'sgid'));
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [0, 0, '711']);
  await env.ok(['rm', '-f', 'modes']);
});

test('a container frozen for cp is thawed when the reader goes away, on a signal, and through the API; unpause recovers one left frozen', async () => {
  const id = (
    await env.ok([
      'run',
      '-d',
      '--name',
      'big',
      'busybox',
      'sh',
      '-c',
      'head -c 67108864 /dev/zero > /big && sleep 600',
    ])
  ).trim();
  await env.ok(['exec', 'big', 'sh', '-c', 'while [ $(stat -c %s /big) -lt 67108864 ]; do sleep 0.1; done']);

  // `stowage cp big:/big - | head -c 10`
  const piped = spawnSync('sh', ['-c', `${FRONT_END} cp big:/big - | head -c 10 | wc -c`], {
    env: env.env,
    encoding: 'utf8',
  });
  assert.equal(piped.stdout.trim(), '10');
  assert.equal(runcStatus(id), 'running', 'thawed after a closed pipe');

  // a reader that stalls, then a SIGTERM to the copy
  const stalled = spawn(FRONT_END, ['cp', 'big:/big', '-'], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) =>
    stalled.stdout.once('data', () => {
      stalled.stdout.pause();
      resolve();
    }),
  );
  assert.equal(runcStatus(id), 'paused', 'frozen while it copies');
  stalled.kill('SIGTERM');
  const [, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    stalled.on('exit', (c, s) => resolve([c, s])),
  );
  assert.equal(signal, 'SIGTERM', 'it ends as the signal would have it');
  assert.equal(runcStatus(id), 'running', 'thawed on SIGTERM');

  // an API client that drops GET /containers/{id}/archive halfway
  const socket = path.join(env.dir, 'api.sock');
  const service = spawn(FRONT_END, ['system', 'service', `unix://${socket}`], {
    env: env.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    let stderr = '';
    service.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    while (!stderr.includes('API listening')) {
      assert.equal(service.exitCode, null, stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ socketPath: socket, path: '/v1.41/containers/big/archive?path=/big' }, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => {
          assert.equal(runcStatus(id), 'paused', 'frozen while it streams');
          req.destroy();
          resolve();
        });
      });
      req.on('error', reject);
    });
    let status = runcStatus(id);
    for (let i = 0; i < 100 && status !== 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = runcStatus(id);
    }
    assert.equal(status, 'running', 'thawed once the client was gone');
    assert.equal(service.exitCode, null, 'the service is still up');
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }

  // a copy killed outright (SIGKILL cannot be caught) leaves runc's state paused: unpause recovers it
  const killed = spawn(FRONT_END, ['cp', 'big:/big', '-'], { env: env.env, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) =>
    killed.stdout.once('data', () => {
      killed.stdout.pause();
      resolve();
    }),
  );
  killed.kill('SIGKILL');
  await new Promise((r) => killed.once('exit', r));
  assert.equal(runcStatus(id), 'paused');
  assert.equal((await env.ok(['inspect', '-f', '{{.State.Status}}', 'big'])).trim(), 'running');
  assert.equal(await env.ok(['unpause', 'big']), 'big\n');
  assert.equal(runcStatus(id), 'running');
  const again = await env.run(['unpause', 'big']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, new RegExp(`Container ${await idOf('big')} is not paused`));
  await env.ok(['rm', '-f', 'big']);
});

test('a runtime is one the engine knows: --runtime or HostConfig.Runtime naming any other executable is refused', async () => {
  // the engine runs its runtime as root: a client naming an executable must not get it run
  const marker = path.join(env.dir, 'runtime-ran');
  const evil = path.join(env.dir, 'evil-runtime');
  fs.writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\nexec runc "$@"\n`, { mode: 0o755 });
  const cli = await env.run(['run', '--rm', '--runtime', evil, 'busybox', 'true']);
  assert.equal(cli.code, 125);
  assert.match(cli.stderr, new RegExp(`Unknown runtime specified ${evil}`));
  assert.equal(await env.ok(['run', '--rm', '--runtime', 'runc', 'busybox', 'echo', 'ok']), 'ok\n');
  const api = await startService(env);
  try {
    const r = await api.request(
      'POST',
      '/v1.41/containers/create',
      JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Runtime: evil } }),
    );
    assert.deepEqual([r.status, JSON.parse(r.body).message], [400, `Unknown runtime specified ${evil}`]);
  } finally {
    await api.stop();
  }
  assert.ok(!fs.existsSync(marker), 'the named executable never ran');
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', 'nothing was created');
});

test('the API socket is made with its final mode (0660): never chmod-ed after it listens', async () => {
  const socket = path.join(env.dir, 'mode.sock');
  const log = path.join(env.dir, 'service.strace');
  const service = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=umask,bind,chmod,fchmodat,fchmod',
      '-o',
      log,
      FRONT_END,
      'system',
      'service',
      `unix://${socket}`,
    ],
    {
      env: env.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  service.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    while (!stderr.includes('API listening')) {
      assert.equal(service.exitCode, null, stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((fs.statSync(socket).mode & 0o777).toString(8), '660');
  } finally {
    // the service itself is stopped (strace would only detach from it): its pid heads the log's lines
    const pid = Number(/^(\d+) /m.exec(fs.readFileSync(log, 'utf8'))?.[1]);
    if (pid > 0) process.kill(pid, 'SIGTERM');
    else service.kill('SIGKILL');
    await new Promise((r) => service.once('exit', r));
  }
  const calls = fs.readFileSync(log, 'utf8').split('\n');
  const bind = calls.findIndex((l) => l.includes(`bind(`) && l.includes(socket));
  assert.ok(bind > 0, 'the socket was bound');
  assert.ok(
    calls.slice(0, bind).some((l) => /umask\(0117\)/.test(l)),
    'under a umask that leaves others out',
  );
  assert.deepEqual(
    calls.filter((l) => /chmod/.test(l) && l.includes(socket)),
    [],
    'and never chmod-ed',
  );
});
