// Every command of `docker --help` (but swarm, plugin, trust, context, buildx
// and manifest) run by the docker CLI 28 against Docker 20.10 and against
// `stowage system service`, one scenario, step by step: the same exit codes
// and the same output once what must differ (IDs, times, sizes, addresses,
// column widths) is normalized.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { capture, type Captured } from '../../src/util/capture';
import { baseTarball, startService, TestEnv, type ApiService } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';
import { buildTar } from '../tar-builder';

const env = new TestEnv('stowage-sweep-');
let api: ApiService;
let daemon: DockerDaemon;

interface Step {
  args: string[];
  input?: string;
  /** what is compared: the whole normalized output (default), or only the exit code */
  compare?: 'output' | 'code' | 'stdout-lines';
  /** exit codes that differ by design (the README says why) */
  expect?: { stowage: number; docker: number };
}

/** What differs between two engines by nature, made equal. */
export function normalize(s: string): string {
  return s
    .replace(/sha256:[0-9a-f]{64}/g, '<DIGEST>')
    .replace(/\b[0-9a-f]{64}\b/g, '<ID>')
    .replace(/\b[0-9a-f]{12}\b/g, '<ID>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<TIME>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \w+/g, '<TIME>')
    .replace(/(About a minute|About an hour|Less than a second|\d+ (seconds?|minutes?|hours?))( ago)?/g, '<AGO>')
    .replace(/\b\d+(\.\d+)?([kKMG]i?)?B\b/g, '<SIZE>')
    .replace(/\b\d+\.\d+\.\d+\.\d+(\/\d+)?\b/g, '<IP>')
    .replace(/(<IP>):\d{1,5}\b/g, '$1:<PORT>')
    .replace(/[ \t]+/g, ' ')
    .replace(/ +$/gm, '');
}

const STEPS: Step[] = [
  { args: ['version', '--format', '{{.Client.Version}} {{.Server.APIVersion}}'] },
  {
    args: ['info', '--format', '{{.OSType}} {{.Containers}} {{.Images}} {{.LoggingDriver}} {{.Swarm.LocalNodeState}}'],
  },
  { args: ['images', '--format', '{{.Repository}}:{{.Tag}}'] },
  { args: ['image', 'ls'] },
  { args: ['history', '--format', '{{.CreatedBy}} {{.Comment}}', 'busybox'] },
  { args: ['tag', 'busybox', 'sweep/copy:1'] },
  { args: ['image', 'inspect', '-f', '{{.RepoTags}} {{.Os}} {{.Config.Cmd}}', 'sweep/copy:1'] },
  { args: ['rmi', 'sweep/copy:1'] },
  { args: ['rmi', 'sweep/nothing:1'] },
  { args: ['create', '--name', 'sw-created', '--label', 'sweep=1', 'busybox', 'sh', '-c', 'echo created-run'] },
  { args: ['start', '-a', 'sw-created'] },
  { args: ['wait', 'sw-created'] },
  { args: ['logs', 'sw-created'] },
  { args: ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'] },
  { args: ['run', '--rm', 'busybox', 'no-such-command'], compare: 'code' },
  {
    args: [
      'run',
      '-d',
      '--name',
      'sw-web',
      '-p',
      '127.0.0.1::80',
      '--label',
      'sweep=1',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
    ],
  },
  { args: ['ps', '--format', '{{.Names}} {{.Image}} {{.Command}} {{.Status}} {{.Ports}}'] },
  { args: ['ps', '-a', '--filter', 'label=sweep=1', '--format', '{{.Names}} {{.State}}'] },
  { args: ['container', 'ls', '-q', '--filter', 'status=exited'] },
  { args: ['port', 'sw-web'] },
  { args: ['top', 'sw-web', '-o', 'comm'] },
  { args: ['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'sw-web'] },
  { args: ['exec', 'sw-web', 'sh', '-c', 'echo in-exec; exit 4'] },
  { args: ['exec', '-i', 'sw-web', 'cat'], input: 'piped\n' },
  // (stowage: 127 as `run` gives; Docker 20.10's exec gives 126 for both causes: see the README)
  { args: ['exec', 'sw-web', 'nope'], compare: 'code', expect: { stowage: 127, docker: 126 } },
  { args: ['exec', '-e', 'A=1', '-w', '/tmp', 'sw-web', 'sh', '-c', 'echo $A $(pwd)'] },
  { args: ['pause', 'sw-web'] },
  { args: ['exec', 'sw-web', 'true'] },
  { args: ['unpause', 'sw-web'] },
  { args: ['rename', 'sw-web', 'sw-web2'] },
  { args: ['update', '--memory', '64m', '--memory-swap', '128m', 'sw-web2'] },
  { args: ['inspect', '-f', '{{.Name}} {{.State.Status}} {{.HostConfig.Memory}} {{.Config.Labels.sweep}}', 'sw-web2'] },
  { args: ['diff', 'sw-web2'] },
  { args: ['exec', 'sw-web2', 'sh', '-c', 'echo changed > /changed'] },
  { args: ['diff', 'sw-web2'] },
  { args: ['commit', '-m', 'swept', '-c', 'ENV SWEPT=1', 'sw-web2', 'sweep/committed:1'], compare: 'code' },
  { args: ['image', 'inspect', '-f', '{{.Comment}} {{.Config.Env}}', 'sweep/committed:1'] },
  { args: ['restart', '-t', '1', 'sw-web2'] },
  { args: ['kill', '-s', 'TERM', 'sw-web2'] },
  { args: ['wait', 'sw-web2'] },
  { args: ['start', 'sw-web2'] },
  { args: ['stop', '-t', '1', 'sw-web2'] },
  { args: ['rm', 'sw-web2'] },
  { args: ['rm', 'sw-web2'] },
  { args: ['stop', 'no-such-container'] },
  { args: ['run', '-di', '--name', 'sw-attach', 'busybox', 'sh', '-c', 'read x; echo got $x; sleep 1; exit 2'] },
  // exit codes only: Docker 20.10 loses the output of a container that ends soon after its
  // attachment (it printed "got attached" in some runs and nothing in others); stowage prints it
  { args: ['attach', 'sw-attach'], input: 'attached\n', compare: 'code' },
  { args: ['rm', 'sw-attach'] },
  { args: ['run', '-d', '--name', 'sw-files', 'busybox', 'sleep', '300'] },
  { args: ['cp', '-', 'sw-files:/tmp'], input: 'tar' },
  { args: ['export', 'sw-files'], compare: 'code' },
  { args: ['rm', '-f', 'sw-files'] },
  { args: ['network', 'create', '--label', 'sweep=1', 'sweep-net'], compare: 'code' },
  { args: ['network', 'ls', '--filter', 'label=sweep=1', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'] },
  { args: ['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}}', 'sweep-net'] },
  { args: ['run', '-d', '--name', 'sw-net', 'busybox', 'sleep', '300'] },
  { args: ['network', 'connect', '--alias', 'svc', 'sweep-net', 'sw-net'] },
  { args: ['network', 'connect', 'sweep-net', 'sw-net'] },
  { args: ['network', 'rm', 'sweep-net'] },
  { args: ['network', 'disconnect', 'sweep-net', 'sw-net'] },
  { args: ['rm', '-f', 'sw-net'] },
  { args: ['network', 'rm', 'sweep-net'] },
  { args: ['network', 'inspect', 'sweep-net'] },
  { args: ['network', 'prune', '-f'] },
  { args: ['volume', 'create', '--label', 'sweep=1', 'sweep-vol'] },
  { args: ['volume', 'ls', '--filter', 'label=sweep=1'] },
  { args: ['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}}', 'sweep-vol'] },
  { args: ['run', '--rm', '-v', 'sweep-vol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f'] },
  { args: ['run', '--rm', '-v', 'sweep-vol:/data', 'busybox', 'cat', '/data/f'] },
  { args: ['volume', 'rm', 'sweep-vol'] },
  { args: ['volume', 'rm', 'sweep-vol'] },
  { args: ['volume', 'prune', '-f'] },
  { args: ['save', '-o', 'SAVED', 'busybox'] },
  { args: ['load', '-i', 'SAVED'] },
  { args: ['import', 'SAVED', 'sweep/imported:1'], compare: 'code' },
  { args: ['rmi', 'sweep/imported:1'], compare: 'code' },
  {
    args: ['build', '-q', '-t', 'sweep/built:1', '-'],
    input: 'FROM busybox\nRUN echo built > /built\nCMD ["cat", "/built"]\n',
    compare: 'code',
  },
  { args: ['run', '--rm', 'sweep/built:1'] },
  { args: ['builder', 'prune', '-f'] },
  { args: ['container', 'prune', '-f'] },
  { args: ['image', 'prune', '-f'] },
  { args: ['system', 'df', '--format', '{{.Type}} {{.TotalCount}}'] },
  { args: ['system', 'prune', '-f'], compare: 'code' },
  {
    args: [
      'events',
      '--since',
      '30m',
      '--until',
      '0s',
      '--filter',
      'event=rename',
      '--format',
      '{{.Type}} {{.Action}} {{.Actor.Attributes.oldName}}',
    ],
  },
  { args: ['search', 'busybox'], compare: 'code' },
  { args: ['pull', '127.0.0.1:1/nothing:1'], compare: 'code' },
  { args: ['push', 'sweep/built:1'], compare: 'code' },
  { args: ['login', '-u', 'u', '-p', 'p', '127.0.0.1:1'], compare: 'code' },
  { args: ['logout', '127.0.0.1:1'] },
  { args: ['rmi', 'sweep/built:1', 'sweep/committed:1'] },
];

before(async () => {
  await env.baseImage('busybox:latest');
  api = await startService(env);
  daemon = await startDockerDaemon({
    bridge: true,
    extraArgs: ['--default-address-pool', 'base=10.215.0.0/16,size=24'],
  });
  const imported = await daemon.docker([
    'import',
    '-m',
    'busybox-static base image',
    '-c',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '-c',
    'CMD ["sh"]',
    baseTarball(),
    'busybox:latest',
  ]);
  assert.equal(imported.code, 0, imported.stderr);
});
after(async () => {
  await api.stop();
  await daemon.stop();
  env.cleanup();
});

/** A tar with one file, for `cp -`. */
function tarInput(): Buffer {
  return buildTar([{ name: 'copied.txt', data: 'copied\n' }]);
}

async function run(host: string, tag: string, step: Step): Promise<Captured> {
  const dir = path.join(env.dir, tag);
  fs.mkdirSync(dir, { recursive: true });
  const args = step.args.map((a) => (a === 'SAVED' ? path.join(dir, 'saved.tar') : a));
  const input = step.input === 'tar' ? tarInput() : step.input;
  return capture('docker', args, {
    env: { ...(process.env as Record<string, string>), DOCKER_HOST: host, DOCKER_CONFIG: path.join(dir, 'config') },
    input,
    timeoutMs: 120_000,
  });
}

test('the docker CLI gets the same exit codes and outputs from stowage as from Docker 20.10, command by command', async () => {
  const differences: string[] = [];
  for (const step of STEPS) {
    const ref = await run(daemon.host, 'docker', step);
    const got = await run(`unix://${api.socket}`, 'stowage', step);
    const what = `docker ${step.args.join(' ')}`;
    if (step.expect) {
      if (got.code !== step.expect.stowage || ref.code !== step.expect.docker)
        differences.push(`${what}: exit ${got.code}, Docker ${ref.code}`);
      continue;
    }
    if (ref.code !== got.code) {
      differences.push(
        `${what}: exit ${got.code}, Docker ${ref.code}\n  stowage: ${got.stderr.trim() || got.stdout.trim()}\n  docker:  ${ref.stderr.trim() || ref.stdout.trim()}`,
      );
      continue;
    }
    if (step.compare === 'code') continue;
    for (const stream of ['stdout', 'stderr'] as const) {
      const a = normalize(got[stream]);
      const b = normalize(ref[stream]);
      if (a !== b)
        differences.push(
          `${what}: ${stream} differs\n  stowage: ${JSON.stringify(a)}\n  docker:  ${JSON.stringify(b)}`,
        );
    }
  }
  assert.deepEqual(differences, []);
});
