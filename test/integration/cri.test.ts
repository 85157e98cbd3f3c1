// The CRI front end (`stowage system cri`) driven over its socket as the kubelet
// drives it: pods with their network and files, containers in them, logs in
// the CRI format at the kubelet's path, and nothing left behind afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, TestEnv } from '../helpers';
import { containerConfig, podConfig, startCri, type CriProcess } from '../cri-kit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  for (const deadline = Date.now() + ms; ; await sleep(50)) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

const mountsUnder = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m?.startsWith(dir));

describe('CRI: pods and containers', () => {
  const env = new TestEnv('stowage-cri-');
  let cri: CriProcess;

  before(async () => {
    await env.baseImage('busybox:latest');
    cri = await startCri(env);
  });
  after(async () => {
    await cri?.stop();
    env.cleanup();
  });

  test('a pod with a host port serves a web page from its container, logs in the CRI format, and leaves nothing behind', async () => {
    const { rt, img } = cri.client;
    const port = await freePort();
    const logDir = path.join(env.dir, 'pod-logs');
    const { pod_sandbox_id: pod } = await rt.RunPodSandbox({
      config: podConfig('web', {
        hostname: 'lottery-pod',
        log_directory: logDir,
        port_mappings: [{ container_port: 80, host_port: port }],
        labels: { app: 'lottery' },
      }),
    });
    const status = (await rt.PodSandboxStatus({ pod_sandbox_id: pod })).status;
    assert.equal(status.state, 'SANDBOX_READY');
    assert.match(status.network.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(status.labels, { app: 'lottery' });

    const images = await img.ListImages({});
    const busybox = images.images.find((i: { repo_tags: string[] }) =>
      i.repo_tags.includes('docker.io/library/busybox:latest'),
    );
    assert.ok(busybox, 'the image imported by the CLI is in the CRI list');

    const script =
      "echo started; mkdir -p /www; echo '<h1>lottery</h1>' > /www/index.html; hostname; exec httpd -f -p 80 -h /www";
    const { container_id: web } = await rt.CreateContainer({
      pod_sandbox_id: pod,
      config: containerConfig('web', 'busybox', {
        command: ['sh', '-c', script],
        log_path: 'web/0.log',
        labels: { tier: 'front' },
      }),
    });
    assert.equal((await rt.ContainerStatus({ container_id: web })).status.state, 'CONTAINER_CREATED');
    await rt.StartContainer({ container_id: web });
    const page = await until('the page on the host port', async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.ok ? await res.text() : undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(page, '<h1>lottery</h1>\n');
    assert.equal(await (await fetch(`http://${status.network.ip}/`)).text(), '<h1>lottery</h1>\n');

    const log = await until('the log', () => {
      const t = fs.existsSync(path.join(logDir, 'web/0.log'))
        ? fs.readFileSync(path.join(logDir, 'web/0.log'), 'utf8')
        : '';
      return t.includes('lottery-pod') ? t : undefined;
    });
    const lines = log.trim().split('\n');
    assert.match(lines[0], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}(Z|[+-]\d{2}:\d{2}) stdout F started$/);
    assert.match(lines[1], / stdout F lottery-pod$/, 'the pod hostname is the container hostname');

    const st = (await rt.ContainerStatus({ container_id: web })).status;
    assert.equal(st.state, 'CONTAINER_RUNNING');
    assert.equal(st.log_path, path.join(logDir, 'web/0.log'));
    assert.equal(st.image.image, 'docker.io/library/busybox:latest');
    assert.equal(st.image_ref, busybox.id);
    const listed = await rt.ListContainers({ filter: { label_selector: { tier: 'front' } } });
    assert.deepEqual(
      listed.containers.map((c: { id: string }) => c.id),
      [web],
    );
    assert.deepEqual((await rt.ListContainers({ filter: { label_selector: { tier: 'back' } } })).containers, []);
    assert.deepEqual(
      (await rt.ListPodSandbox({ filter: { id: pod.slice(0, 12) } })).items.map((p: { id: string }) => p.id),
      [pod],
    );

    await rt.StopPodSandbox({ pod_sandbox_id: pod });
    const stopped = (await rt.ContainerStatus({ container_id: web })).status;
    assert.equal(stopped.state, 'CONTAINER_EXITED');
    assert.equal(stopped.exit_code, 137);
    assert.equal(stopped.reason, 'Error');
    assert.equal((await rt.PodSandboxStatus({ pod_sandbox_id: pod })).status.state, 'SANDBOX_NOTREADY');
    assert.ok(
      !fs.existsSync(path.join(env.runroot, 'netns', pod)),
      'the network namespace is gone once the pod stopped',
    );

    await rt.RemovePodSandbox({ pod_sandbox_id: pod });
    assert.deepEqual((await rt.ListPodSandbox({})).items, []);
    assert.deepEqual((await rt.ListContainers({})).containers, []);
    assert.deepEqual(fs.readdirSync(path.join(env.root, 'cri', 'sandboxes')), []);
    assert.deepEqual(fs.readdirSync(path.join(env.root, 'cri', 'containers')), []);
    assert.deepEqual(fs.readdirSync(path.join(env.runroot, 'cri', 'b')), []);
    assert.deepEqual(
      mountsUnder(env.dir).filter((m) => !m.endsWith('/netns')),
      [],
    );
    assert.ok(
      !execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).includes(`--dport ${port} `),
      'no rule for the host port is left',
    );
    assert.ok(
      !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(pod),
      'no process of the pod is left',
    );
    assert.ok(fs.readFileSync(path.join(logDir, 'web/0.log'), 'utf8').startsWith(log), 'the log stays for the kubelet');

    const events = await env.ok([
      'events',
      '--since',
      '10m',
      '--until',
      '0s',
      '--filter',
      `container=${web}`,
      '--format',
      '{{.Action}}',
    ]);
    assert.deepEqual(events.trim().split('\n'), ['create', 'start', 'kill', 'die', 'stop', 'destroy']);
  });

  test("resources: UpdateContainerResources changes the running container's cgroup and its status; stats of the container and of the pod", async () => {
    const { rt } = cri.client;
    const { pod_sandbox_id: pod } = await rt.RunPodSandbox({
      config: podConfig('limits', { labels: { stats: 'yes' }, annotations: { note: 'kept' } }),
    });
    const { container_id: id } = await rt.CreateContainer({
      pod_sandbox_id: pod,
      config: containerConfig('limited', 'busybox', {
        command: ['sleep', '3600'],
        linux: { resources: { memory_limit_in_bytes: 64 << 20, cpu_shares: 256 } },
      }),
    });
    await rt.StartContainer({ container_id: id });
    const cgroup = (ctrl: string, file: string) =>
      fs.readFileSync(`/sys/fs/cgroup/${ctrl}/stowage-cri/${id}/${file}`, 'utf8').trim();
    assert.equal(cgroup('memory', 'memory.limit_in_bytes'), String(64 << 20));
    assert.equal(cgroup('cpu', 'cpu.shares'), '256');
    await rt.UpdateContainerResources({
      container_id: id,
      linux: { memory_limit_in_bytes: 96 << 20, cpu_shares: 512 },
    });
    assert.equal(cgroup('memory', 'memory.limit_in_bytes'), String(96 << 20));
    assert.equal(cgroup('cpu', 'cpu.shares'), '512');
    const st = (await rt.ContainerStatus({ container_id: id })).status;
    assert.equal(st.resources.linux.memory_limit_in_bytes, String(96 << 20));
    const stats = (await rt.ContainerStats({ container_id: id })).stats;
    assert.ok(Number(stats.memory.working_set_bytes.value) > 0, 'memory in use is read from the cgroup');
    assert.ok(Number(stats.cpu.timestamp) > 0);

    const ps = (await rt.PodSandboxStats({ pod_sandbox_id: pod })).stats;
    assert.equal(ps.attributes.id, pod);
    assert.deepEqual([ps.attributes.labels, ps.attributes.annotations], [{ stats: 'yes' }, { note: 'kept' }]);
    assert.deepEqual(
      ps.linux.containers.map((c: { attributes: { id: string } }) => c.attributes.id),
      [id],
    );
    assert.ok(
      Number(ps.linux.memory.working_set_bytes.value) > 0,
      "the pod's memory: its pause process and its container",
    );
    assert.ok(Number(ps.linux.process.process_count.value) >= 1, 'the pause process counted');
    const podsBy = async (label_selector: Record<string, string>) =>
      (await rt.ListPodSandboxStats({ filter: { id: '', label_selector } })).stats.map(
        (x: { attributes: { id: string } }) => x.attributes.id,
      );
    assert.deepEqual(await podsBy({ stats: 'yes' }), [pod]);
    assert.deepEqual(await podsBy({ stats: 'no' }), []);
    assert.deepEqual((await rt.PodSandboxStatus({ pod_sandbox_id: pod })).status.annotations, { note: 'kept' });
    await rt.RemovePodSandbox({ pod_sandbox_id: pod });
    assert.ok(!fs.existsSync(`/sys/fs/cgroup/memory/stowage-cri/${id}`), "the container's cgroup is gone");
  });

  test('a stop right after the start reaches the process (not lost before its handler is set): it exits of the stop signal', async () => {
    const { rt } = cri.client;
    const { pod_sandbox_id: pod } = await rt.RunPodSandbox({ config: podConfig('quick-stop') });
    for (let i = 0; i < 5; i++) {
      const { container_id: id } = await rt.CreateContainer({
        pod_sandbox_id: pod,
        config: containerConfig(`quick-${i}`, 'busybox', {
          command: ['sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done'],
        }),
      });
      await rt.StartContainer({ container_id: id });
      await rt.StopContainer({ container_id: id, timeout: 20 });
      const st = (await rt.ContainerStatus({ container_id: id })).status;
      assert.deepEqual(
        [st.state, st.exit_code],
        ['CONTAINER_EXITED', 42],
        `run ${i}: the TERM trap ran (137 would be the SIGKILL after the timeout)`,
      );
    }
    await rt.RemovePodSandbox({ pod_sandbox_id: pod });
  });

  test('a restart of the server finds its pods, and an exit that happened meanwhile', async () => {
    const { pod_sandbox_id: pod } = await cri.client.rt.RunPodSandbox({ config: podConfig('survivor') });
    const mk = async (name: string) => {
      const { container_id: id } = await cri.client.rt.CreateContainer({
        pod_sandbox_id: pod,
        config: containerConfig(name, 'busybox', { command: ['sleep', '3600'] }),
      });
      await cri.client.rt.StartContainer({ container_id: id });
      return id as string;
    };
    const [keeps, dies] = [await mk('keeps'), await mk('dies')];
    const pid = JSON.parse((await cri.client.rt.ContainerStatus({ container_id: dies, verbose: true })).info.info)
      .pid as number;
    await cri.halt();
    process.kill(pid, 'SIGKILL');
    cri = await startCri(env);
    const { rt } = cri.client;
    assert.equal((await rt.PodSandboxStatus({ pod_sandbox_id: pod })).status.state, 'SANDBOX_READY');
    assert.equal((await rt.ContainerStatus({ container_id: keeps })).status.state, 'CONTAINER_RUNNING');
    const died = (await rt.ContainerStatus({ container_id: dies })).status;
    assert.deepEqual([died.state, died.exit_code, died.reason], ['CONTAINER_EXITED', 137, 'Error']);
    assert.equal(
      (await rt.ExecSync({ container_id: keeps, cmd: ['echo', 'still here'], timeout: 10 })).stdout.toString(),
      'still here\n',
    );
    await rt.StopPodSandbox({ pod_sandbox_id: pod });
    await rt.RemovePodSandbox({ pod_sandbox_id: pod });
    assert.deepEqual((await rt.ListContainers({})).containers, []);
  });
});
