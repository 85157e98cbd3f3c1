// The seccomp filter: Docker's default refusals, opened by the matching
// capability, off with seccomp=unconfined or --privileged, or a profile file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv } from '../helpers';
import { DEFAULT_PROFILE } from '../../src/runtime/seccomp';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

const PROBE = 'grep Seccomp: /proc/self/status; unshare -U true 2>/dev/null; echo userns=$?';
const probe = (flags: string[]) => env.ok(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', PROBE]);

test('the default filter refuses new namespaces; the processes of the container run normally', async () => {
  assert.equal(await probe([]), 'Seccomp:\t2\nuserns=1\n');
  // fork, threads (clone3 answers ENOSYS, libc falls back to clone), files, sockets
  assert.equal(
    await env.ok([
      'run',
      '--rm',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      '(echo sub) | cat; mkdir /d && ls -d /d; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo pinged',
    ]),
    'sub\n/d\npinged\n',
  );
  const inspect = JSON.parse(
    await env
      .ok(['create', '--security-opt', 'seccomp=unconfined', 'busybox'])
      .then((id) => env.ok(['inspect', id.trim()])),
  );
  assert.deepEqual(inspect[0].HostConfig.SecurityOpt, ['seccomp=unconfined']);
});

test('seccomp=unconfined and --privileged run without a filter; --cap-add SYS_ADMIN opens its calls', async () => {
  assert.equal(await probe(['--security-opt', 'seccomp=unconfined']), 'Seccomp:\t0\nuserns=0\n');
  assert.equal(await probe(['--privileged']), 'Seccomp:\t0\nuserns=0\n');
  assert.equal(await probe(['--cap-add', 'SYS_ADMIN']), 'Seccomp:\t2\nuserns=0\n');
});

test("a profile file in Docker's format: its rules, filtered by the container's capabilities", async () => {
  const file = path.join(env.dir, 'profile.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
        ],
      },
      null,
      2,
    ),
  );
  const run = (flags: string[]) =>
    env.run([
      'run',
      '--rm',
      '--network',
      'none',
      '--security-opt',
      `seccomp=${file}`,
      ...flags,
      'busybox',
      'sh',
      '-c',
      'mkdir /x; rmdir /tmp && echo rmdir-ok; unshare -U true && echo userns-ok',
    ]);
  const r = await run([]);
  assert.match(r.stderr, /mkdir: can't create directory '\/x': Permission denied/, 'errnoRet 13 = EACCES');
  assert.match(r.stderr, /rmdir: '\/tmp': Operation not permitted/);
  assert.match(r.stdout, /userns-ok/, 'only the profile applies, not the default');
  assert.doesNotMatch(r.stdout, /rmdir-ok/);
  const admin = await run(['--cap-add', 'SYS_ADMIN']);
  assert.match(admin.stdout, /rmdir-ok/, 'the rule excluded for CAP_SYS_ADMIN is gone');
  const inspected = JSON.parse(
    await env
      .ok(['create', '--security-opt', `seccomp=${file}`, 'busybox'])
      .then((id) => env.ok(['inspect', '-f', '{{json .HostConfig.SecurityOpt}}', id.trim()])),
  );
  assert.match(
    inspected[0],
    /^seccomp=\{"defaultAction":"SCMP_ACT_ALLOW",/,
    'the compacted profile, as the docker CLI stores it',
  );
});

test("defaultErrnoRet: the errno of a profile's default action (Docker 23.0 and later; 20.10 ignores it)", async () => {
  const file = path.join(env.dir, 'errno.json');
  // an allow list (the default profile itself) whose refusals answer EOPNOTSUPP (95) instead of EPERM
  fs.writeFileSync(file, JSON.stringify({ ...DEFAULT_PROFILE, defaultErrnoRet: 95 }));
  const r = await env.run([
    'run',
    '--rm',
    '--network',
    'none',
    '--security-opt',
    `seccomp=${file}`,
    'busybox',
    'sh',
    '-c',
    'mkdir -p /m; mount -t tmpfs none /m',
  ]);
  assert.match(r.stderr, /mount: mounting none on \/m failed: Operation not supported/);
});

test('a missing or broken profile is refused before anything is created', async () => {
  const before = await env.ok(['ps', '-aq']);
  const missing = await env.run(['run', '--rm', '--security-opt', 'seccomp=/nonexistent.json', 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(
    missing.stderr,
    /opening seccomp profile \(\/nonexistent\.json\) failed: open \/nonexistent\.json: no such file or directory/,
  );
  const bad = path.join(env.dir, 'bad.json');
  fs.writeFileSync(bad, '{"defaultAction": ');
  const broken = await env.run(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'busybox', 'true']);
  assert.equal(broken.code, 125);
  assert.match(broken.stderr, /compacting json for seccomp profile .* failed/);
  fs.writeFileSync(bad, '{"defaultAction": "ALLOW"}');
  const wrong = await env.run(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'busybox', 'true']);
  assert.equal(wrong.code, 125);
  assert.match(wrong.stderr, /Decoding seccomp profile failed: defaultAction "ALLOW" is not one of SCMP_ACT_KILL, /);
  fs.writeFileSync(
    bad,
    '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "op": "SCMP_CMP_EQ"}]}]}',
  );
  const args = await env.run(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'busybox', 'true']);
  assert.equal(args.code, 125);
  assert.match(
    args.stderr,
    /Decoding seccomp profile failed: syscalls\[0\] \(read\)\.args\[0\]\.index is 7: a syscall has 6 arguments/,
  );
  assert.equal(await env.ok(['ps', '-aq']), before);
});
