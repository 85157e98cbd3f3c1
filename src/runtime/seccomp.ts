// The seccomp filter of a container (OCI linux.seccomp, applied by runc just
// before the container's process starts).
//
// The default blocks, with EPERM, the syscalls Docker's default profile is
// documented to block (docs.docker.com/engine/security/seccomp: "Significant
// syscalls blocked by the default profile"), and lets through those a granted
// capability is meant to open, as Docker's profile does: `--cap-add SYS_ADMIN`
// allows mount and unshare, `--cap-add SYS_TIME` settimeofday, and so on. It is
// written as a list of what is refused (everything else allowed) rather than
// Docker's list of ~350 allowed syscalls: it refuses the same dangerous calls
// and cannot break a program by missing a harmless one.
// `--security-opt seccomp=unconfined` and `--privileged` run without a filter;
// `--security-opt seccomp=FILE` takes a profile in Docker's JSON format.
import { invalidArgument } from '../errdefs';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

/** OCI runtime-spec linux.seccomp. */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: SeccompSyscall[];
}

const EPERM = 1;
const ENOSYS = 38;
/** The architectures a filter covers on x86_64: 64-bit, 32-bit and x32 binaries alike. */
const X86_ARCHES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

/** Refused whatever the capabilities: kernel keyring, module and kexec loading, obsolete calls. */
const ALWAYS_REFUSED = [
  'add_key', 'keyctl', 'request_key', 'create_module', 'get_kernel_syms', 'query_module', 'nfsservctl', 'sysfs',
  '_sysctl', 'uselib', 'ustat', 'vm86', 'vm86old', 'kexec_load', 'kexec_file_load', 'userfaultfd',
];

/** Refused unless the container has the capability. */
const REFUSED_WITHOUT: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'bpf', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr',
    'move_mount', 'name_to_handle_at', 'open_tree', 'perf_event_open', 'pivot_root', 'quotactl', 'quotactl_fd', 'setns',
    'swapon', 'swapoff', 'umount', 'umount2', 'unshare',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'move_pages'],
  CAP_SYSLOG: ['syslog'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
};

/** clone's flags that make new namespaces (CLONE_NEWNS ... CLONE_NEWNET, CLONE_NEWCGROUP). */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

/** The default filter for a container with these capabilities (names as "CAP_X"). */
export function defaultSeccomp(caps: readonly string[]): LinuxSeccomp {
  const has = new Set(caps);
  const refused = [...ALWAYS_REFUSED, ...Object.entries(REFUSED_WITHOUT).flatMap(([cap, calls]) => (has.has(cap) ? [] : calls))];
  const syscalls: SeccompSyscall[] = [{ names: refused, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (!has.has('CAP_SYS_ADMIN')) {
    // new namespaces through clone too (one rule per flag: the rules are alternatives);
    // clone3 passes its flags in memory a filter cannot read: ENOSYS, so libc falls back to clone
    for (const flag of CLONE_NAMESPACE_FLAGS) {
      syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }] });
    }
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: [...X86_ARCHES], syscalls };
}

interface DockerProfileSyscall {
  name?: string;
  names?: string[];
  action?: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: { caps?: string[]; arches?: string[] };
  excludes?: { caps?: string[]; arches?: string[] };
}

interface DockerProfile {
  defaultAction?: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls?: DockerProfileSyscall[];
}

const NATIVE_ARCH = 'SCMP_ARCH_X86_64';
const GO_ARCH = 'amd64';

/**
 * A profile in Docker's format (`--security-opt seccomp=FILE`, its JSON text) as
 * the filter for a container with these capabilities: rules whose includes /
 * excludes do not match the capabilities or the architecture are left out, as
 * Docker does. Throws Docker's "Decoding seccomp profile failed" for bad JSON.
 */
export function seccompFromProfile(text: string, caps: readonly string[]): LinuxSeccomp {
  let p: DockerProfile;
  try {
    p = JSON.parse(text) as DockerProfile;
  } catch (e) {
    throw invalidArgument(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw invalidArgument('Decoding seccomp profile failed: not a JSON object');
  if (typeof p.defaultAction !== 'string' || !p.defaultAction.startsWith('SCMP_ACT_')) {
    throw invalidArgument(`Decoding seccomp profile failed: invalid defaultAction ${JSON.stringify(p.defaultAction)}`);
  }
  if (p.architectures?.length && p.archMap?.length) throw invalidArgument("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  const has = new Set(caps);
  const matches = (call: DockerProfileSyscall) => {
    const inc = call.includes ?? {};
    const exc = call.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => has.has(c))) return false;
    if (exc.caps?.some((c) => has.has(c))) return false;
    if (inc.arches?.length && !inc.arches.includes(GO_ARCH)) return false;
    if (exc.arches?.includes(GO_ARCH)) return false;
    return true;
  };
  const syscalls: SeccompSyscall[] = [];
  for (const call of p.syscalls ?? []) {
    const names = call.names?.length ? call.names : call.name ? [call.name] : [];
    if (names.length === 0) throw invalidArgument('Decoding seccomp profile failed: a syscall rule has no name');
    if (typeof call.action !== 'string' || !call.action.startsWith('SCMP_ACT_')) {
      throw invalidArgument(`Decoding seccomp profile failed: invalid action ${JSON.stringify(call.action)} for ${names[0]}`);
    }
    if (!matches(call)) continue;
    syscalls.push({
      names,
      action: call.action,
      ...(call.errnoRet !== undefined ? { errnoRet: call.errnoRet } : {}),
      ...(call.args?.length ? { args: call.args } : {}),
    });
  }
  const mapped = p.archMap?.find((a) => a.architecture === NATIVE_ARCH);
  const architectures = mapped ? [mapped.architecture, ...(mapped.subArchitectures ?? [])] : p.architectures;
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(architectures?.length ? { architectures } : {}),
    syscalls,
  };
}

/**
 * The filter a container runs with, from its --security-opt values: none with
 * --privileged or seccomp=unconfined (as Docker), the profile given as
 * seccomp=<JSON> (the CLI puts the file's content there, as Docker's does), or
 * the default.
 */
export function containerSeccomp(securityOpt: readonly string[], privileged: boolean, caps: readonly string[]): LinuxSeccomp | undefined {
  if (privileged) return undefined;
  const value = seccompOption(securityOpt);
  if (value === 'unconfined') return undefined;
  if (value !== undefined) return seccompFromProfile(value, caps);
  return defaultSeccomp(caps);
}

/** The value of the last seccomp=/seccomp: security option. */
export function seccompOption(securityOpt: readonly string[]): string | undefined {
  const opt = securityOpt.filter((o) => /^seccomp[=:]/.test(o)).at(-1);
  return opt?.slice('seccomp='.length);
}
