// Rootless stowage beside rootless podman 4.3, both run by one ordinary user
// made by the test: the same commands, the same answers (or the difference
// asserted and named), and each engine reads what the other saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FRONT_END, baseTarball, freePort } from '../helpers';
import { RootlessUser } from '../rootless-kit';
import type { Captured } from '../../src/util/capture';

let user: RootlessUser;
type Tool = 'stowage' | 'podman';
const TOOLS: Tool[] = ['stowage', 'podman'];

before(() => {
  user = new RootlessUser();
  user.give('rootfs.tar', baseTarball());
});
after(async () => {
  await user?.exec('podman', ['system', 'reset', '-f']).catch(() => undefined);
  user?.remove();
});

const run = (tool: Tool, args: string[]): Promise<Captured> =>
  user.exec(tool === 'stowage' ? FRONT_END : 'podman', args);

async function ok(tool: Tool, args: string[]): Promise<string> {
  const r = await run(tool, args);
  assert.equal(r.code, 0, `${tool} ${args.join(' ')} as ${user.name}: ${r.stderr}`);
  return r.stdout;
}

function page(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer | string) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function answered(port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await page(port);
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const WEB = ['sh', '-c', 'mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 80 -h /www'];

test('the same commands work for both engines, run by the same ordinary user', async () => {
  const tarball = path.join(user.home, 'rootfs.tar');
  for (const tool of TOOLS) {
    await ok(tool, ['import', '-c', 'CMD ["sh"]', tarball, 'busybox:latest']);
    // root inside is the user: one mapping line of the user's namespace
    assert.equal(
      await ok(tool, ['run', '--rm', 'busybox', 'sh', '-c', 'id -u; id -g; wc -l < /proc/self/uid_map']),
      '0\n0\n2\n',
      tool,
    );
    assert.equal(
      await ok(tool, [
        'run',
        '--rm',
        '--userns=keep-id',
        'busybox',
        'sh',
        '-c',
        'id -u; id -g; id -un; stat -c %u /bin/busybox',
      ]),
      `${user.uid}\n${user.gid}\n${user.name}\n0\n`,
      tool,
    );
    // exec into a keep-id container runs as the user there too
    await ok(tool, ['run', '-d', '--name', 'kept', '--userns=keep-id', 'busybox', 'sleep', '1000']);
    assert.equal(await ok(tool, ['exec', 'kept', 'sh', '-c', 'id -u; id -un']), `${user.uid}\n${user.name}\n`, tool);
    await ok(tool, ['rm', '-f', 'kept']);

    // a published port >= 1024 answers on 127.0.0.1; exec reaches the container
    const port = await freePort();
    await ok(tool, ['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...WEB]);
    assert.equal(await answered(port), 'served\n', tool);
    assert.equal(await ok(tool, ['exec', 'web', 'cat', '/www/index.html']), 'served\n', tool);
    assert.match(await ok(tool, ['ps']), /\bweb\n/, tool);
    await ok(tool, ['rm', '-f', 'web']);

    // build with RUN steps; the image's owners inside as the Dockerfile made them
    const ctx = path.join(user.home, `ctx-${tool}`);
    fs.mkdirSync(ctx);
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      'FROM busybox\nRUN echo built > /built && chown 65534:65534 /built\nRUN mkdir /data && touch /data/x\n',
    );
    fs.chownSync(ctx, user.uid, user.gid);
    fs.chownSync(path.join(ctx, 'Dockerfile'), user.uid, user.gid);
    await ok(tool, ['build', '-q', '-t', `built-${tool}`, ctx]);
    assert.equal(
      await ok(tool, ['run', '--rm', `built-${tool}`, 'stat', '-c', '%u:%g %n', '/built', '/data/x']),
      '65534:65534 /built\n0:0 /data/x\n',
      tool,
    );
    await ok(tool, ['save', '-o', path.join(user.home, `built-${tool}.tar`), `built-${tool}`]);
  }

  // each loads the other's archive and finds the same image ID
  const id = async (tool: Tool, ref: string) =>
    (await ok(tool, ['image', 'inspect', '--format', '{{.Id}}', ref])).trim().replace(/^sha256:/, '');
  const fromPodman = await id('podman', 'built-podman');
  assert.match(
    await ok('stowage', ['load', '-i', path.join(user.home, 'built-podman.tar')]),
    /Loaded image: localhost\/built-podman:latest/,
  );
  assert.equal(await id('stowage', 'localhost/built-podman'), fromPodman);
  const fromStowage = await id('stowage', 'built-stowage');
  await ok('podman', ['load', '-i', path.join(user.home, 'built-stowage.tar')]);
  assert.equal(await id('podman', 'built-stowage'), fromStowage);
});

test('user-defined networks: stowage resolves peers by name; podman 4.3 with CNI needs the dnsname plugin', async () => {
  const dnsname = fs.existsSync('/usr/lib/cni/dnsname');
  for (const tool of TOOLS) {
    await ok(tool, ['network', 'create', 'rlnet']);
    await ok(tool, ['run', '-d', '--network', 'rlnet', '--name', 'srv', 'busybox', ...WEB]);
    const r = await run(tool, [
      'run',
      '--rm',
      '--network',
      'rlnet',
      'busybox',
      'sh',
      '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://srv/ && exit 0; sleep 0.3; done; exit 1',
    ]);
    if (tool === 'stowage' || dnsname) {
      assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
      assert.equal(r.stdout, 'served\n');
    } else {
      assert.notEqual(r.code, 0, 'podman without dnsname');
      assert.match(r.stderr, /bad address 'srv'/);
    }
    await ok(tool, ['rm', '-f', 'srv']);
    await ok(tool, ['network', 'rm', 'rlnet']);
  }
});

test('limits without a delegated cgroup: podman ignores them with a warning, stowage refuses them', async () => {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return; // cgroup v2: both may apply them
  const p = await run('podman', ['run', '--rm', '--memory', '64m', 'busybox', 'true']);
  assert.equal(p.code, 0);
  assert.match(p.stderr, /resource limits|cgroup/i);
  const s = await run('stowage', ['run', '--rm', '--memory', '64m', 'busybox', 'true']);
  assert.equal(s.code, 125);
  assert.match(s.stderr, /resource limits cannot be applied in rootless mode: --memory/);
});
