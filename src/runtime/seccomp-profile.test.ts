import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeccompProfile, profileToOci, type SeccompProfile } from './seccomp-profile';

const AMD64 = { arch: 'amd64', kernel: '6.1' };
const names = (p: SeccompProfile, caps: string[] = [], target = AMD64) =>
  profileToOci(p, { caps, ...target })!.syscalls!.map((s) => s.names.join(','));

test('includes and excludes by capability: every included one held, no excluded one held', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_TIME'] } },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'] } },
      ],
    }),
  );
  assert.deepEqual(names(p), ['read,write', 'clone3']);
  assert.deepEqual(names(p, ['CAP_SYS_ADMIN']), ['read,write', 'mount']);
  assert.deepEqual(names(p, ['CAP_SYS_TIME', 'CAP_SYS_ADMIN']), ['read,write', 'mount', 'both']);
  assert.deepEqual(names(p, ['CAP_BPF']), ['read,write'], 'any excluded capability held leaves the rule out');
  assert.deepEqual(profileToOci(p, { caps: [], ...AMD64 })!.syscalls![1], {
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: 38,
  });
});

test('includes and excludes by architecture and by kernel version', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
        { names: ['set_tls'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
        { names: ['not_s390'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['s390x'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
        { names: ['old_only'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.10' } },
      ],
    }),
  );
  assert.deepEqual(names(p, [], { arch: 'amd64', kernel: '6.1' }), ['arch_prctl', 'not_s390', 'ptrace']);
  assert.deepEqual(names(p, [], { arch: 'arm64', kernel: '4.8' }), ['set_tls', 'not_s390', 'ptrace', 'old_only']);
  assert.deepEqual(names(p, [], { arch: 's390x', kernel: '4.7' }), ['old_only']);
  assert.deepEqual(
    names(p, [], { arch: 'amd64', kernel: '5.10' }),
    ['arch_prctl', 'not_s390', 'ptrace'],
    'the minor number counts: 5.10 >= 5.10 > 4.8',
  );
});

test("architectures: the profile's list, or its archMap entry for the machine with its sub-architectures", () => {
  const archMap = [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ];
  const mapped = parseSeccompProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', archMap }));
  assert.deepEqual(profileToOci(mapped, { caps: [], arch: 'amd64' })!.architectures, [
    'SCMP_ARCH_X86_64',
    'SCMP_ARCH_X86',
    'SCMP_ARCH_X32',
  ]);
  assert.deepEqual(profileToOci(mapped, { caps: [], arch: 'arm64' })!.architectures, [
    'SCMP_ARCH_AARCH64',
    'SCMP_ARCH_ARM',
  ]);
  assert.equal(
    profileToOci(mapped, { caps: [], arch: 's390x' })!.architectures,
    undefined,
    'no entry: libseccomp takes the native one',
  );
  const listed = parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}');
  assert.deepEqual(
    profileToOci(listed, { caps: [], arch: 'arm64' })!.architectures,
    ['SCMP_ARCH_X86_64'],
    'a list is taken as it is',
  );
  assert.throws(
    () =>
      parseSeccompProfile(
        JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap }),
      ),
    /^Error: 'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'$/,
  );
});

test('the OCI form: name or names, errno values and arguments carried over, nothing else', () => {
  const p = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        {
          name: 'personality',
          action: 'SCMP_ACT_ALLOW',
          comment: 'x',
          args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
        },
        {
          names: ['socket'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }],
          includes: {},
          excludes: {},
        },
        { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS', args: null },
      ],
    }),
  );
  assert.deepEqual(profileToOci(p, { caps: [], ...AMD64 }), {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
      { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
    ],
  });
});

test('a profile with neither a default action nor rules means no filter, as in Docker', () => {
  assert.equal(profileToOci(parseSeccompProfile('{}'), { caps: [] }), undefined);
  assert.equal(profileToOci(parseSeccompProfile('{"defaultAction":"","syscalls":null}'), { caps: [] }), undefined);
});

test('bad profiles are refused with what is wrong', () => {
  const bad = (profile: unknown, message: RegExp) =>
    assert.throws(() => parseSeccompProfile(typeof profile === 'string' ? profile : JSON.stringify(profile)), message);
  const rule = (r: object) => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', ...r }],
  });
  bad('{', /^Error: Decoding seccomp profile failed: /);
  bad('[]', /not a JSON object/);
  bad({ defaultAction: 'SCMP_ACT_NOPE' }, /defaultAction "SCMP_ACT_NOPE" is not one of SCMP_ACT_KILL, /);
  bad({ defaultAction: 7 }, /defaultAction is 7, not a string/);
  bad({ syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }, /rules but no defaultAction/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }, /defaultErrnoRet is -1, not an unsigned integer/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_Z80'] }, /unknown architecture "SCMP_ARCH_Z80"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\] names no syscall/);
  bad(
    rule({ name: 'write' }),
    /^Error: 'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'$/,
  );
  bad(rule({ action: undefined }), /syscalls\[0\] \(read\) has no action/);
  bad(rule({ action: 'SCMP_ACT_NOTIFY' }), /SCMP_ACT_NOTIFY needs a seccomp agent/);
  bad(rule({ names: 'read' }), /syscalls\[0\].names is not a list/);
  bad(rule({ args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }), /index is 6: a syscall has 6 arguments \(0 to 5\)/);
  bad(rule({ args: [{ index: 0, value: 1, op: 'EQ' }] }), /op "EQ" is not one of SCMP_CMP_NE, /);
  bad(rule({ args: [{ index: 0, value: 1.5, op: 'SCMP_CMP_EQ' }] }), /value is 1.5, not an unsigned integer/);
  bad(
    '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_MASKED_EQ"}]}]}',
    /only up to 2\^53-1/,
  );
  bad(rule({ includes: { minKernel: '4' } }), /invalid kernel version: "4", expected "<kernel>.<major>"/);
  bad(rule({ includes: { minKernel: '0.0' } }), /version cannot be 0.0/);
  bad(rule({ excludes: { caps: 'CAP_SYS_ADMIN' } }), /excludes.caps is not a list/);
});
