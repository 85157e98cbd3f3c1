import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSeccomp, defaultSeccomp, seccompFromProfile } from './seccomp';

const refused = (caps: string[]) => defaultSeccomp(caps).syscalls!.filter((s) => !s.args).flatMap((s) => s.names);

test('the default refuses what Docker documents, and a capability opens its own calls', () => {
  const none = refused(['CAP_CHOWN']);
  for (const call of ['mount', 'unshare', 'setns', 'keyctl', 'kexec_load', 'init_module', 'reboot', 'settimeofday', 'bpf', 'clone3']) {
    assert.ok(none.includes(call), call);
  }
  assert.ok(!none.includes('ptrace') && !none.includes('chroot') && !none.includes('clone'), 'allowed as Docker on kernels >= 4.8');
  const admin = refused(['CAP_SYS_ADMIN']);
  assert.ok(!admin.includes('mount') && !admin.includes('unshare') && !admin.includes('clone3'));
  assert.ok(admin.includes('keyctl') && admin.includes('reboot'), 'other capabilities still needed');
  assert.ok(!refused(['CAP_SYS_TIME']).includes('settimeofday'));
  const cloneRules = defaultSeccomp([]).syscalls!.filter((s) => s.names[0] === 'clone');
  assert.equal(cloneRules.length, 7, 'one rule per namespace flag');
  assert.ok(cloneRules.every((r) => r.args![0].op === 'SCMP_CMP_MASKED_EQ' && r.args![0].value === r.args![0].valueTwo));
  assert.equal(defaultSeccomp([]).defaultAction, 'SCMP_ACT_ALLOW');
});

test("profiles in Docker's format: names, includes/excludes by capability and arch, archMap", () => {
  const profile = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_AARCH64' }],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { name: 'mount', action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    ],
  });
  const plain = seccompFromProfile(profile, []);
  assert.deepEqual(plain.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(plain.syscalls!.map((s) => s.names[0]), ['read', 'ptrace']);
  assert.deepEqual(seccompFromProfile(profile, ['CAP_SYS_ADMIN']).syscalls!.map((s) => s.names[0]), ['read', 'mount']);
  assert.throws(() => seccompFromProfile('{', []), /Decoding seccomp profile failed/);
  assert.throws(() => seccompFromProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ALLOW"}]}', []), /has no name/);
});

test('which filter a container gets', () => {
  assert.equal(containerSeccomp([], true, []), undefined, '--privileged');
  assert.equal(containerSeccomp(['seccomp=unconfined'], false, []), undefined);
  assert.equal(containerSeccomp(['seccomp:unconfined'], false, []), undefined, 'the old separator');
  assert.equal(containerSeccomp([], false, [])!.defaultAction, 'SCMP_ACT_ALLOW');
  assert.equal(containerSeccomp(['no-new-privileges', 'seccomp={"defaultAction":"SCMP_ACT_LOG"}'], false, [])!.defaultAction, 'SCMP_ACT_LOG');
});
