// The lesson as a pod, driven by crictl (the kit's, scripts/cri-kit.sh): runp a
// pod with a host port, create and start the lottery web page in it, the page
// answers on 127.0.0.1 at the host port, exec -it, logs, stopp, rmp; then
// nothing of it is left: mounts, namespaces, interfaces, rules, processes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, REPO, TestEnv } from '../helpers';
import { startCri, type CriProcess } from '../cri-kit';
import { capture } from '../../src/util/capture';

const CRICTL = path.join(process.env.CRI_KIT ?? '/opt/cri-tools', 'bin', 'crictl');
const env = new TestEnv('stowage-cri-lesson-');
let cri: CriProcess;

/** crictl's stdout (and, `withStderr`, its stderr after it: where `logs` puts the container's stderr). */
const crictl = async (args: string[], withStderr = false): Promise<string> => {
  const r = await capture(
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
    { timeoutMs: 120_000 },
  );
  if (r.code !== 0) throw new Error(`crictl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return withStderr ? r.stdout + r.stderr : r.stdout;
};

before(async () => {
  const kit = spawnSync(path.join(REPO, 'scripts', 'cri-kit.sh'), [], { encoding: 'utf8', timeout: 30 * 60_000 });
  assert.equal(kit.status, 0, `the kit could not be set up: ${kit.stderr}`);
  await env.baseImage('busybox:latest');
  const app = path.join(env.dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'index.html'), '<h1>lottery</h1>\n');
  fs.writeFileSync(
    path.join(app, 'Dockerfile'),
    'FROM busybox\nCOPY index.html /www/index.html\nEXPOSE 80\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
  );
  await env.ok(['build', '-q', '-t', 'lottery:v1', app]);
  cri = await startCri(env);
});
after(async () => {
  await cri?.stop();
  env.cleanup();
});

test('crictl runs the lottery page as a pod and leaves nothing behind', { timeout: 10 * 60_000 }, async () => {
  const port = await freePort();
  const logs = path.join(env.dir, 'pod-logs');
  const podFile = path.join(env.dir, 'pod.json');
  const ctrFile = path.join(env.dir, 'ctr.json');
  fs.writeFileSync(
    podFile,
    JSON.stringify({
      metadata: { name: 'lottery', namespace: 'lesson', uid: 'lottery-1', attempt: 1 },
      hostname: 'lottery',
      log_directory: logs,
      port_mappings: [{ container_port: 80, host_port: port }],
      linux: {},
    }),
  );
  fs.writeFileSync(
    ctrFile,
    JSON.stringify({
      metadata: { name: 'web' },
      image: { image: 'lottery:v1' },
      args: ['httpd', '-f', '-v', '-p', '80', '-h', '/www'],
      log_path: 'web.log',
      linux: {},
    }),
  );

  assert.match(await crictl(['images']), /docker\.io\/library\/lottery\s+v1/, 'the image built by the CLI is there');
  const pod = (await crictl(['runp', podFile])).trim();
  const ctr = (await crictl(['create', pod, ctrFile, podFile])).trim();
  await crictl(['start', ctr]);
  let page = '';
  for (let i = 0; i < 100 && !page; i++) {
    try {
      page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal(page, '<h1>lottery</h1>\n');

  // exec -it wants a terminal: script(1) gives crictl one
  const it = await capture(
    'script',
    ['-qec', `${CRICTL} --runtime-endpoint unix://${cri.socket} exec -it ${ctr} sh`, '/dev/null'],
    {
      input: 'hostname; cat /www/index.html; exit 3\n',
      timeoutMs: 60_000,
    },
  );
  assert.match(it.stdout, /^lottery\r?$/m, "the pod's hostname");
  assert.match(it.stdout, /<h1>lottery<\/h1>/);
  assert.match(it.stdout, /exit code 3/, "the shell's exit code reaches crictl");
  // the terminal's size reaches the container (remotecommand's resize stream)
  const sized = await capture(
    'script',
    [
      '-qec',
      `stty rows 41 cols 107; ${CRICTL} --runtime-endpoint unix://${cri.socket} exec -it ${ctr} sh`,
      '/dev/null',
    ],
    {
      input: 'stty size; exit 0\n',
      timeoutMs: 60_000,
    },
  );
  assert.match(sized.stdout, /^41 107\r?$/m, sized.stdout);

  const log = await crictl(['logs', ctr], true);
  assert.match(log, /GET \/ HTTP\/1\.1|response:200/, 'httpd -v logged the request (on stderr)');
  assert.match(
    await crictl(['ps']),
    new RegExp(`${ctr.slice(0, 13)}\\s+docker.io/library/lottery:v1\\s.*Running\\s+web`),
  );

  await crictl(['stopp', pod]);
  await crictl(['rmp', pod]);
  assert.equal((await crictl(['pods', '-q'])).trim(), '');
  assert.equal((await crictl(['ps', '-aq'])).trim(), '');

  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m?.startsWith(env.dir) && !m.endsWith('/netns'));
  assert.deepEqual(mounts, [], 'no mounts');
  assert.deepEqual(fs.readdirSync(path.join(env.runroot, 'netns')), [], 'no network namespace');
  assert.ok(
    !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(env.runroot),
    'no process of the pod (conmon, runc)',
  );
  assert.deepEqual(
    fs.readdirSync(path.join(env.runroot, 'cri', 'runc')),
    [],
    'runc knows no container of it (the pause process included)',
  );
  assert.ok(
    !execFileSync('iptables-save', { encoding: 'utf8' }).includes(`--dport ${port} `),
    'no rule for the host port',
  );
  const net = JSON.parse(
    fs.readFileSync(
      path.join(
        env.root,
        'networks',
        fs
          .readdirSync(path.join(env.root, 'networks'))
          .find((f) => JSON.parse(fs.readFileSync(path.join(env.root, 'networks', f), 'utf8')).name === 'stowage-cri')!,
      ),
      'utf8',
    ),
  );
  assert.ok(
    !execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(`master ${net.bridge} `),
    "no interface on the pods' bridge",
  );
  // the pods' network itself goes with `network rm`, as any network nobody uses
  await env.ok(['network', 'rm', 'stowage-cri']);
  assert.ok(!execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(`${net.bridge}:`), 'no bridge');
  assert.ok(!execFileSync('iptables-save', { encoding: 'utf8' }).includes(net.subnet), "no rule for the pods' subnet");
});
