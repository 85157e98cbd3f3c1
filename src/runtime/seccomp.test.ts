import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSeccomp, defaultSeccomp, seccompFromProfile, DEFAULT_PROFILE } from './seccomp';
import { profileToOci, type LinuxSeccomp } from './seccomp-profile';
import { DEFAULT_CAPS } from './caps';

/** Names a filter allows without conditions on arguments. */
const allowed = (f: LinuxSeccomp) =>
  new Set(f.syscalls!.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names));
const rulesFor = (f: LinuxSeccomp, name: string) => f.syscalls!.filter((s) => s.names.includes(name));

test("the default is an allow list refusing with EPERM, covering x86_64's 32-bit and x32 calls too", () => {
  const f = profileToOci(DEFAULT_PROFILE, { caps: DEFAULT_CAPS, arch: 'amd64', kernel: '6.1' })!;
  assert.equal(f.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(f.defaultErrnoRet, undefined, "EPERM, runc's default errno");
  assert.deepEqual(f.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(profileToOci(DEFAULT_PROFILE, { caps: [], arch: 'arm64' })!.architectures, [
    'SCMP_ARCH_AARCH64',
    'SCMP_ARCH_ARM',
  ]);
  const ok = allowed(f);
  for (const call of [
    'read',
    'write',
    'execve',
    'openat',
    'arch_prctl',
    'modify_ldt',
    'io_uring_setup',
    'chroot',
    'ptrace',
    'wait4',
  ]) {
    assert.ok(ok.has(call), `${call} allowed`);
  }
  for (const call of [
    'mount',
    'unshare',
    'setns',
    'keyctl',
    'add_key',
    'kexec_load',
    'init_module',
    'reboot',
    'settimeofday',
    'clock_settime',
    'bpf',
    'perf_event_open',
    'userfaultfd',
    'migrate_pages',
    'move_pages',
    'set_tls',
    'personality',
    'socket',
    'clone',
  ]) {
    assert.ok(!ok.has(call), `${call} not allowed outright`);
  }
  assert.deepEqual(
    rulesFor(f, 'clone3'),
    [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
    'ENOSYS: glibc falls back to clone',
  );
});

test('arguments: clone without new namespaces, five personality values, no AF_VSOCK sockets', () => {
  const f = defaultSeccomp(DEFAULT_CAPS);
  assert.deepEqual(rulesFor(f, 'clone'), [
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] },
  ]);
  assert.deepEqual(
    rulesFor(f, 'personality').map((r) => r.args),
    [0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => [{ index: 0, value, op: 'SCMP_CMP_EQ' }]),
  );
  assert.deepEqual(rulesFor(f, 'socket'), [
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
  ]);
  const s390 = profileToOci(DEFAULT_PROFILE, { caps: [], arch: 's390x' })!;
  assert.equal(rulesFor(s390, 'clone')[0].args![0].index, 1, "s390's clone has its flags second");
});

test('a capability opens the calls that need it', () => {
  const base = allowed(defaultSeccomp(DEFAULT_CAPS));
  const opens = (cap: string) =>
    [...allowed(defaultSeccomp([...DEFAULT_CAPS, cap]))].filter((n) => !base.has(n)).sort();
  assert.deepEqual(opens('CAP_SYS_ADMIN'), [
    'bpf',
    'clone',
    'clone3',
    'fanotify_init',
    'fsconfig',
    'fsmount',
    'fsopen',
    'fspick',
    'lookup_dcookie',
    'mount',
    'mount_setattr',
    'move_mount',
    'name_to_handle_at',
    'open_tree',
    'perf_event_open',
    'quotactl',
    'quotactl_fd',
    'setdomainname',
    'sethostname',
    'setns',
    'syslog',
    'umount',
    'umount2',
    'unshare',
  ]);
  assert.deepEqual(opens('CAP_SYS_PTRACE'), [
    'kcmp',
    'pidfd_getfd',
    'process_madvise',
    'process_vm_readv',
    'process_vm_writev',
  ]);
  assert.deepEqual(opens('CAP_SYS_MODULE'), ['delete_module', 'finit_module', 'init_module']);
  assert.deepEqual(opens('CAP_SYS_BOOT'), ['reboot']);
  assert.deepEqual(opens('CAP_SYS_TIME'), ['clock_settime', 'settimeofday', 'stime']);
  assert.deepEqual(opens('CAP_SYS_NICE'), ['get_mempolicy', 'mbind', 'set_mempolicy']);
  assert.deepEqual(opens('CAP_SYS_PACCT'), ['acct']);
  assert.deepEqual(opens('CAP_SYS_RAWIO'), ['ioperm', 'iopl']);
  assert.deepEqual(opens('CAP_SYS_TTY_CONFIG'), ['vhangup']);
  assert.deepEqual(opens('CAP_SYSLOG'), ['syslog']);
  assert.deepEqual(opens('CAP_DAC_READ_SEARCH'), ['open_by_handle_at']);
  assert.deepEqual(opens('CAP_BPF'), [], 'Docker 20.10 has no group for CAP_BPF or CAP_PERFMON');
  assert.ok(
    !allowed(defaultSeccomp(DEFAULT_CAPS.filter((c) => c !== 'CAP_SYS_CHROOT'))).has('chroot'),
    'chroot needs CAP_SYS_CHROOT',
  );
  const admin = defaultSeccomp([...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
  assert.equal(rulesFor(admin, 'clone3').length, 1, 'with CAP_SYS_ADMIN clone3 is allowed and no longer ENOSYS');
  assert.ok(
    rulesFor(admin, 'clone').every((r) => !r.args),
    "nor are clone's flags checked",
  );
});

test('ptrace is allowed from kernel 4.8 on (earlier ones let it bypass seccomp)', () => {
  assert.ok(allowed(profileToOci(DEFAULT_PROFILE, { caps: [], arch: 'amd64', kernel: '4.8' })!).has('ptrace'));
  assert.ok(!allowed(profileToOci(DEFAULT_PROFILE, { caps: [], arch: 'amd64', kernel: '4.4' })!).has('ptrace'));
});

test('the default profile is valid in its own format (what seccomp=FILE takes), and converts the same from JSON', () => {
  const json = JSON.stringify(DEFAULT_PROFILE);
  assert.deepEqual(seccompFromProfile(json, DEFAULT_CAPS), defaultSeccomp(DEFAULT_CAPS));
});

test('which filter a container gets', () => {
  assert.equal(containerSeccomp([], true, []), undefined, '--privileged');
  assert.equal(
    containerSeccomp(['seccomp={"defaultAction":"SCMP_ACT_LOG"}'], true, []),
    undefined,
    '--privileged wins over a profile',
  );
  assert.equal(containerSeccomp(['seccomp=unconfined'], false, []), undefined);
  assert.equal(containerSeccomp(['seccomp:unconfined'], false, []), undefined, 'the old separator');
  assert.equal(containerSeccomp(['seccomp={}'], false, []), undefined, 'an empty profile');
  assert.deepEqual(containerSeccomp([], false, DEFAULT_CAPS), defaultSeccomp(DEFAULT_CAPS));
  assert.equal(
    containerSeccomp(['no-new-privileges', 'seccomp={"defaultAction":"SCMP_ACT_LOG"}'], false, [])!.defaultAction,
    'SCMP_ACT_LOG',
  );
  assert.equal(
    containerSeccomp(['seccomp=unconfined', 'seccomp={"defaultAction":"SCMP_ACT_LOG"}'], false, [])!.defaultAction,
    'SCMP_ACT_LOG',
    'the last one wins',
  );
});
