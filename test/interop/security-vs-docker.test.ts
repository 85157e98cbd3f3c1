// A container's security settings as its processes see them — capabilities,
// seccomp mode, no-new-privileges, what the filter refuses — are Docker 20.10's
// for the same flags. Needs root and scripts/setup.sh --with-references.
// (--privileged is not compared: Docker 20.10 asks for capabilities this host's
// bounding set lacks and fails with "unable to apply caps"; stowage gives the
// host's whole set, test/integration/run-flags and seccomp check it;
// seccomp-vs-docker.test.ts compares it through a runc that trims Docker's set.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, baseTarball } from '../helpers';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-interop-');
let docker: DockerDaemon;

before(async () => {
  docker = await startDockerDaemon();
  await env.baseImage('busybox:latest');
  await docker.ok(['import', '-c', 'CMD ["sh"]', baseTarball(), 'busybox:latest']);
});
after(async () => {
  await docker?.stop();
  env.cleanup();
});

const PROBE = [
  'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status',
  'unshare -U true 2>/dev/null; echo userns=$?',
  'unshare -m true 2>/dev/null; echo mountns=$?',
  'mkdir -p /m && mount -t tmpfs none /m 2>/dev/null; echo mount=$?',
  'hwclock -s 2>/dev/null; echo settime=$?',
].join('; ');

for (const flags of [
  [],
  ['--security-opt', 'seccomp=unconfined'],
  ['--cap-add', 'SYS_ADMIN'],
  ['--cap-drop', 'ALL', '--cap-add', 'CHOWN'],
  ['--security-opt', 'no-new-privileges'],
  ['-u', 'nobody'],
]) {
  test(`the same as Docker: run ${flags.join(' ') || '(defaults)'}`, async () => {
    const args = ['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', PROBE];
    const mine = await env.run(args);
    const theirs = await docker.docker(args);
    assert.equal(mine.stdout, theirs.stdout);
    assert.match(mine.stdout, /^CapPrm:/m, 'the probe ran');
  });
}
