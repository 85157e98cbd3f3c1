// The CRI's ImageService on the CLI's store, pulling as the issue asks: the
// kubelet's credentials for a registry that wants them, mirrors from a
// containers-registries.conf(5) file ($STOWAGE_REGISTRIES_CONF, as the CLI's
// `pull`), and the sandbox image of the configuration pulled through them when a
// pod first needs it. Images pulled here are in `stowage images`, and the other
// way round. Registries: Debian's docker-registry on 127.0.0.1 (test/reference).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { TestEnv } from '../helpers';
import { startRegistry, type Registry } from '../reference/registry';
import { containerConfig, podConfig, startCri, type CriProcess } from '../cri-kit';

const mountsUnder = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m?.startsWith(dir));

describe('CRI: images', () => {
  const env = new TestEnv('stowage-cri-img-');
  const conf = path.join(env.dir, 'conf');
  const vars = () => ({
    DOCKER_CONFIG: path.join(conf, 'docker'),
    STOWAGE_REGISTRIES_CONF: path.join(conf, 'registries.conf'),
  });
  const ok = (args: string[], input?: string) => env.ok(args, { env: vars(), input });
  const names = async () => (await ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n');
  let secured: Registry; // htpasswd: alice / secret
  let open: Registry; // anonymous, the mirror of registry.k8s.io
  let cri: CriProcess;

  before(async () => {
    fs.mkdirSync(conf, { recursive: true });
    await env.baseImage('busybox:latest');
    [secured, open] = await Promise.all([startRegistry({ htpasswd: { alice: 'secret' } }), startRegistry()]);
    // what the registries hold, pushed by the CLI; then the local names go
    await ok(['login', '-u', 'alice', '--password-stdin', secured.host], 'secret\n');
    // each an image of its own (the CRI's RemoveImage takes every name of an image)
    const build = async (tag: string, dockerfile: string) => {
      const ctx = path.join(env.dir, 'ctx', tag.replace(/[^a-z0-9]/g, '_'));
      fs.mkdirSync(ctx, { recursive: true });
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      await ok(['build', '-q', '-t', tag, ctx]);
      await ok(['push', tag]);
      await ok(['rmi', tag]);
    };
    await build(`${secured.host}/cri/busybox:1`, 'FROM busybox:latest\nLABEL which=secured\n');
    await build(`${open.host}/cri/busybox:2`, 'FROM busybox:latest\nLABEL which=mirrored\n');
    await build(`${open.host}/pause:test`, 'FROM busybox:latest\nENTRYPOINT ["sleep", "3600"]\n');
    await ok(['logout', secured.host]);
    fs.writeFileSync(
      vars().STOWAGE_REGISTRIES_CONF,
      [
        '[[registry]]',
        'prefix = "registry.k8s.io"',
        'location = "registry.k8s.io"',
        '[[registry.mirror]]',
        `location = "${open.host}"`,
        '',
      ].join('\n'),
    );
    cri = await startCri(env, 'sandbox_image = "registry.k8s.io/pause:test"\n', vars());
  });
  after(async () => {
    await cri?.stop();
    await Promise.all([secured?.stop(), open?.stop()]);
    env.cleanup();
  });

  test("PullImage with the kubelet's credentials; without them the registry's refusal is Unknown; RemoveImage takes it from `stowage images`", async () => {
    const { img } = cri.client;
    const image = `${secured.host}/cri/busybox:1`;
    await assert.rejects(img.PullImage({ image: { image } }), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.UNKNOWN);
      assert.match(e.details, /^failed to pull and unpack image "[^"]+": no basic auth credentials$/);
      return true;
    });
    assert.ok(!(await names()).includes(image), 'nothing pulled');
    const { image_ref: ref } = await img.PullImage({
      image: { image },
      auth: { username: 'alice', password: 'secret' },
    });
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    assert.ok((await names()).includes(image), 'the CLI lists the image pulled through the CRI');
    assert.equal((await img.ImageStatus({ image: { image } })).image.id, ref);
    await img.RemoveImage({ image: { image } });
    assert.ok(!(await names()).includes(image), 'the CLI no longer lists it');
    assert.equal((await img.ImageStatus({ image: { image } })).image, null);
  });

  test("registries.conf's mirror serves registry.k8s.io: the image keeps the name asked for, and the CLI's pull reads the same file", async () => {
    const { img } = cri.client;
    const image = 'registry.k8s.io/cri/busybox:2';
    const { image_ref: ref } = await img.PullImage({ image: { image } });
    const st = (await img.ImageStatus({ image: { image } })).image;
    assert.equal(st.id, ref);
    assert.deepEqual(st.repo_tags, [image]);
    assert.ok(
      st.repo_digests.length === 1 && st.repo_digests[0].startsWith('registry.k8s.io/cri/busybox@sha256:'),
      st.repo_digests.join(),
    );
    const listed = await names();
    assert.ok(listed.includes(image));
    assert.ok(!listed.some((n) => n.startsWith(open.host)), "the mirror's names are not left behind");

    await ok(['rmi', image]);
    assert.equal(
      (await img.ImageStatus({ image: { image } })).image,
      null,
      'the CRI no longer finds what the CLI removed',
    );
    await ok(['pull', '-q', image]);
    assert.equal(
      (await img.ImageStatus({ image: { image } })).image?.id,
      ref,
      "the CLI's pull (through the mirror) is seen by the CRI",
    );
  });

  test('the sandbox image of the configuration is pulled through the mirror when a pod first needs it; its entrypoint holds the pod', async () => {
    const { rt, img } = cri.client;
    assert.equal((await img.ImageStatus({ image: { image: 'registry.k8s.io/pause:test' } })).image, null);
    const { pod_sandbox_id: pod } = await rt.RunPodSandbox({
      config: podConfig('own-pause', { hostname: 'own-pause' }),
    });
    const { status, info } = await rt.PodSandboxStatus({ pod_sandbox_id: pod, verbose: true });
    assert.equal(status.state, 'SANDBOX_READY');
    const pause = (await img.ImageStatus({ image: { image: 'registry.k8s.io/pause:test' } })).image;
    assert.ok(pause, 'the sandbox image was pulled');
    const { pid, image } = JSON.parse(info.info);
    assert.equal(image, pause.id);
    assert.deepEqual(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean), ['sleep', '3600']);

    const { container_id: c } = await rt.CreateContainer({
      pod_sandbox_id: pod,
      config: containerConfig('c', 'busybox', { command: ['sleep', '60'] }),
    });
    await rt.StartContainer({ container_id: c });
    const out = await rt.ExecSync({ container_id: c, cmd: ['hostname'], timeout: 10 });
    assert.equal(out.stdout.toString(), 'own-pause\n', "the container is in the pod's UTS namespace");

    await rt.StopPodSandbox({ pod_sandbox_id: pod });
    await rt.RemovePodSandbox({ pod_sandbox_id: pod });
    assert.deepEqual((await rt.ListPodSandbox({})).items, []);
    assert.ok(
      !fs.existsSync(`/proc/${pid}`) || !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'),
      'the pause process is gone',
    );
    assert.deepEqual(mountsUnder(env.root), [], 'no rootfs of the pod or its container is left mounted');
  });
});
