// Exec, attach and port-forward through the streaming server, driven by the
// kubelet's own client code (crictl of the kit, scripts/cri-kit.sh): SPDY/3.1
// with the remotecommand and portforward protocols.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { capture } from '../../src/util/capture';
import { freePort, REPO, TestEnv } from '../helpers';
import { containerConfig, podConfig, startCri, type CriProcess } from '../cri-kit';

const CRICTL = path.join(process.env.CRI_KIT ?? '/opt/cri-tools', 'bin', 'crictl');

describe('CRI streaming', () => {
  const env = new TestEnv('stowage-cri-stream-');
  let cri: CriProcess;
  let pod: string;
  const crictl = (args: string[], input?: string) =>
    capture(
      CRICTL,
      [
        '--runtime-endpoint',
        `unix://${cri.socket}`,
        '--image-endpoint',
        `unix://${cri.socket}`,
        '--timeout',
        '60s',
        ...args,
      ],
      { input, timeoutMs: 120_000 },
    );

  before(async () => {
    const kit = spawnSync(path.join(REPO, 'scripts', 'cri-kit.sh'), [], { encoding: 'utf8', timeout: 30 * 60_000 });
    assert.equal(kit.status, 0, `the kit could not be set up: ${kit.stderr}`);
    await env.baseImage('busybox:latest');
    cri = await startCri(env);
    ({ pod_sandbox_id: pod } = await cri.client.rt.RunPodSandbox({ config: podConfig('stream') }));
  });
  after(async () => {
    await cri?.stop();
    env.cleanup();
  });

  const run = async (name: string, command: string[], extra: Record<string, unknown> = {}) => {
    const { container_id: id } = await cri.client.rt.CreateContainer({
      pod_sandbox_id: pod,
      config: containerConfig(name, 'busybox', { command, ...extra }),
    });
    await cri.client.rt.StartContainer({ container_id: id });
    return id as string;
  };

  test('exec: stdout and stderr apart, stdin in, the exit code back', async () => {
    const id = await run('exec', ['sleep', '3600']);
    const r = await crictl(['exec', '-i', id, 'sh', '-c', 'cat; echo to-stderr >&2; exit 7'], 'from stdin\n');
    assert.equal(r.stdout, 'from stdin\n');
    assert.match(r.stderr, /^to-stderr\n/);
    assert.match(r.stderr, /command terminated with exit code 7/);
    assert.equal(r.code, 1);
    const ok = await crictl(['exec', id, 'echo', 'fine']);
    assert.deepEqual([ok.code, ok.stdout], [0, 'fine\n']);
    const missing = await crictl(['exec', id, 'no-such-command']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no-such-command/);
  });

  test("attach: the container's stdin and stdout, its stdin closed with the client's (stdin_once)", async () => {
    const id = await run('attach', ['sh', '-c', 'while read l; do echo "got $l"; done; echo bye'], {
      stdin: true,
      stdin_once: true,
    });
    const r = await crictl(['attach', '-i', id], 'one\ntwo\n');
    assert.equal(r.stdout, 'got one\ngot two\nbye\n');
    const st = await cri.client.rt.ContainerStatus({ container_id: id });
    for (
      let i = 0;
      i < 100 && (await cri.client.rt.ContainerStatus({ container_id: id })).status.state !== 'CONTAINER_EXITED';
      i++
    )
      await new Promise((res) => setTimeout(res, 50));
    assert.equal(
      (await cri.client.rt.ContainerStatus({ container_id: id })).status.exit_code,
      0,
      `state ${st.status.state}`,
    );
  });

  test('port-forward reaches a port open on 127.0.0.1 inside the pod only', async () => {
    await run('web', [
      'sh',
      '-c',
      'mkdir /www && echo inside > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www',
    ]);
    const local = await freePort();
    const pf = spawn(CRICTL, ['--runtime-endpoint', `unix://${cri.socket}`, 'port-forward', pod, `${local}:8080`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let body = '';
      for (let i = 0; i < 100 && !body; i++) {
        try {
          body = await (await fetch(`http://127.0.0.1:${local}/`)).text();
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      assert.equal(body, 'inside\n');
      assert.equal(await (await fetch(`http://127.0.0.1:${local}/`)).text(), 'inside\n', 'a second connection');
    } finally {
      pf.kill('SIGTERM');
    }
    assert.ok(fs.existsSync(CRICTL));
  });
});
