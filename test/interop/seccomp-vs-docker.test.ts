// Which syscalls a container may make: a static probe (test/fixtures/src/
// syscall-probe.c) calls some seventy of them inside a container, from the same
// image, under Docker 20.10 and under stowage, and prints how each one ended
// (ok, EPERM, ENOSYS ...). The lines must agree, for the default profile with
// several capability sets, --privileged, seccomp=unconfined and a profile file,
// through the stowage CLI and through the Engine API (the docker CLI 28 sends
// the profile's JSON in HostConfig.SecurityOpt).
//
// One difference is deliberate (README, "What differs from Docker"): stowage's
// default refuses socket(AF_VSOCK) as Docker 23.0's does; 20.10 allows it. The
// same profile handed to both as a file agrees on that call too.
//
// --privileged: Docker 20.10 asks runc for every capability it knows, and runc
// fails ("unable to apply caps") on a host whose bounding set lacks one (this
// machine's root has no CAP_SYS_RESOURCE). Its containers run here through a
// runtime that is runc after removing, from the bundle's config.json, the
// capabilities the host cannot give, which is what stowage's --privileged gives.
// Needs root, gcc and scripts/setup.sh --with-references.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { capture } from '../../src/util/capture';
import { ALL_CAPS, boundingCaps } from '../../src/runtime/caps';
import { DEFAULT_PROFILE } from '../../src/runtime/seccomp';
import { FRONT_END, REPO, TestEnv, baseTarball } from '../helpers';
import { startDockerDaemon, dockerCliPath, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-seccomp-');
let docker: DockerDaemon;
let probe: string;
let service: ChildProcess | undefined;
let apiSocket: string;

/** A runc for dockerd that first drops from the bundle the capabilities this host's bounding set lacks. */
function hostCapsRuntime(): string {
  const runc = execFileSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).trim();
  const missing = ALL_CAPS.filter((c) => !boundingCaps().includes(c));
  const edits = missing.flatMap((c) => ['-e', `'s/"${c}",//g'`, '-e', `'s/,"${c}"//g'`]).join(' ');
  const file = path.join(env.dir, 'hostcaps-runc');
  fs.writeFileSync(
    file,
    [
      '#!/bin/sh',
      'bundle=; prev=',
      'for a in "$@"; do [ "$prev" = --bundle ] && bundle=$a; prev=$a; done',
      missing.length ? `[ -n "$bundle" ] && sed -i ${edits} "$bundle/config.json"` : ':',
      `exec ${runc} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return file;
}

before(async () => {
  probe = path.join(env.dir, 'syscall-probe');
  execFileSync('gcc', ['-static', '-O2', '-o', probe, path.join(REPO, 'test', 'fixtures', 'src', 'syscall-probe.c')]);
  docker = await startDockerDaemon({ extraArgs: ['--add-runtime', `hostcaps=${hostCapsRuntime()}`] });
  await env.baseImage('busybox:latest');
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
  apiSocket = path.join(env.dir, 'api.sock');
  service = spawn(FRONT_END, ['system', 'service', `unix://${apiSocket}`], {
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
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service!.once('exit', r));
  }
  await docker?.stop();
  env.cleanup();
});

type Outcomes = Map<string, string>;

function outcomes(who: string, r: { code: number | null; stdout: string; stderr: string }): Outcomes {
  assert.equal(r.code, 0, `${who}: the probe ran\n${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  const map = new Map(lines.map(([name, ...rest]) => [name, rest.join(' ')]));
  assert.ok(map.size > 60 && map.size === lines.length, `${who}: every probe reported once\n${r.stdout}`);
  assert.ok(![...map.values()].includes('unknown-probe'));
  return map;
}

const probeArgs = (flags: string[]) => [
  'run',
  '--rm',
  '--network',
  'none',
  '-v',
  `${probe}:/probe:ro`,
  ...flags,
  'busybox',
  '/probe',
];
const underStowage = async (flags: string[]) => outcomes('stowage', await env.run(probeArgs(flags)));
const underDocker = async (flags: string[]) => outcomes('docker', await docker.docker(probeArgs(flags)));
const throughApi = async (flags: string[]) =>
  outcomes(
    'docker CLI → stowage API',
    await capture(dockerCliPath()!, probeArgs(flags), {
      env: {
        ...(process.env as Record<string, string>),
        DOCKER_HOST: `unix://${apiSocket}`,
        DOCKER_CONFIG: path.join(env.dir, 'docker-config'),
      },
      timeoutMs: 120_000,
    }),
  );

/** Docker 20.10's outcomes as stowage's default profile gives them: AF_VSOCK refused (Docker 23.0's rule). */
const withVsockRefused = (theirs: Outcomes): Outcomes =>
  new Map([...theirs].map(([k, v]) => [k, k === 'socket-vsock' ? 'EPERM' : v]));

const MANY_CAPS = [
  'SYS_TIME',
  'SYS_NICE',
  'SYS_MODULE',
  'SYS_BOOT',
  'SYS_RAWIO',
  'SYS_PACCT',
  'SYSLOG',
  'DAC_READ_SEARCH',
  'SYS_PTRACE',
];

for (const flags of [
  [],
  ['--cap-add', 'SYS_ADMIN'],
  ['--cap-add', 'SYS_PTRACE'],
  MANY_CAPS.flatMap((c) => ['--cap-add', c]),
  ['--cap-drop', 'ALL'],
  ['-u', '65534'],
]) {
  test(`the default profile, as Docker's: run ${flags.join(' ') || '(defaults)'}`, async () => {
    const [theirs, mine] = await Promise.all([underDocker(flags), underStowage(flags)]);
    assert.deepEqual(mine, withVsockRefused(theirs));
    // what makes this comparison worth something: Docker's filter refuses and the probe sees it
    assert.equal(theirs.get('keyctl'), 'EPERM');
    assert.equal(theirs.get('personality-addr-no-randomize'), 'EPERM');
    assert.equal(theirs.get('set_mempolicy_home_node'), 'ENOSYS', 'newer than the profile');
    assert.equal(theirs.get('personality-linux'), 'ok');
    assert.equal(theirs.get('fork'), 'ok');
    assert.equal(theirs.get('mount'), flags.includes('SYS_ADMIN') ? 'ENOENT' : 'EPERM');
  });
}

test('no filter: --privileged and seccomp=unconfined, as Docker', async () => {
  const [privileged, mine] = await Promise.all([
    underDocker(['--runtime', 'hostcaps', '--privileged']),
    underStowage(['--privileged']),
  ]);
  assert.deepEqual(mine, privileged);
  assert.equal(privileged.get('keyctl'), 'EOPNOTSUPP', 'no filter: the kernel answers');
  const opt = ['--security-opt', 'seccomp=unconfined'];
  const [unconfined, mineUnconfined] = await Promise.all([underDocker(opt), underStowage(opt)]);
  assert.deepEqual(mineUnconfined, unconfined);
  assert.equal(unconfined.get('socket-vsock'), privileged.get('socket-vsock'));
});

test("stowage's default profile as a file (Docker's format): dockerd applies it as stowage does, AF_VSOCK included", async () => {
  const file = path.join(env.dir, 'stowage-default.json');
  fs.writeFileSync(file, JSON.stringify(DEFAULT_PROFILE, null, 2));
  for (const flags of [[], ['--cap-add', 'SYS_ADMIN']]) {
    const args = ['--security-opt', `seccomp=${file}`, ...flags];
    const [theirs, mine, mineFromFile] = await Promise.all([
      underDocker(args),
      underStowage(flags),
      underStowage(args),
    ]);
    assert.deepEqual(mine, theirs);
    assert.deepEqual(mineFromFile, theirs);
    assert.equal(theirs.get('socket-vsock'), 'EPERM');
  }
});

const CUSTOM = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [
    { names: ['keyctl', 'add_key'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    { name: 'reboot', action: 'SCMP_ACT_ERRNO' },
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] },
    { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 95, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 11, includes: { arches: ['amd64', 'arm64'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 11, includes: { arches: ['s390x'] } },
    { names: ['perf_event_open'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, includes: { minKernel: '4.8' } },
    { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, includes: { minKernel: '99.0' } },
    { names: ['userfaultfd'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, excludes: { minKernel: '4.8' } },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ERRNO',
      args: [{ index: 0, value: 0x400000, valueTwo: 0x400000, op: 'SCMP_CMP_MASKED_EQ' }],
    },
    { names: ['set_mempolicy_home_node', 'memfd_secret'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

test('a profile file with errno values, argument rules, includes/excludes by capability, architecture and kernel: CLI and API as Docker', async () => {
  const file = path.join(env.dir, 'custom.json');
  fs.writeFileSync(file, JSON.stringify(CUSTOM, null, 2));
  for (const flags of [[], ['--cap-add', 'SYS_ADMIN']]) {
    const args = ['--security-opt', `seccomp=${file}`, ...flags];
    const [theirs, mine, api] = await Promise.all([underDocker(args), underStowage(args), throughApi(args)]);
    assert.deepEqual(mine, theirs);
    assert.deepEqual(api, theirs);
    assert.equal(theirs.get('keyctl'), 'EACCES');
    assert.equal(theirs.get('unshare-newns'), flags.length ? 'ok' : 'EOPNOTSUPP');
  }
});

test("the default profile through the Engine API is the CLI's", async () => {
  for (const flags of [[], ['--cap-add', 'SYS_ADMIN']]) {
    const [api, cli] = await Promise.all([throughApi(flags), underStowage(flags)]);
    assert.deepEqual(api, cli);
  }
});
