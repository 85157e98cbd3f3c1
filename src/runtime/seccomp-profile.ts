// Docker's seccomp profile format (moby's profiles/seccomp, 20.10) and its
// conversion into the OCI spec's linux.seccomp for one container.
//
// A profile is not a filter yet: its rules carry conditions (includes /
// excludes by capability, by architecture, by kernel version) that are decided
// per container, as dockerd does when it builds a container's spec. What is
// left is the OCI form runc takes. The default profile (seccomp-default.ts) and
// a user's `--security-opt seccomp=FILE` go through the same conversion.
import os from 'node:os';
import { invalidArgument } from '../errdefs';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** OCI runtime-spec linux.seccomp: what runc takes. */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: SeccompSyscall[];
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

/** When a rule applies: every listed capability held, this architecture among those listed, the kernel at least this "major.minor". */
export interface ProfileCondition {
  caps?: string[];
  /** Docker's names for architectures: amd64, x86, x32, arm64, arm, s390x, ppc64le ... */
  arches?: string[];
  minKernel?: string;
}

export interface ProfileRule {
  /** one name (older profiles) or several: never both */
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: ProfileCondition;
  excludes?: ProfileCondition;
}

/** Docker's seccomp profile: what `--security-opt seccomp=FILE` holds. */
export interface SeccompProfile {
  defaultAction: string;
  /** errno of defaultAction SCMP_ACT_ERRNO (EPERM when not given) */
  defaultErrnoRet?: number;
  /** the architectures, as given (older profiles) ... */
  architectures?: string[];
  /** ... or those of the entry of the machine's own architecture: never both */
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }>;
  syscalls?: ProfileRule[] | null;
}

/** What the conditions of a profile's rules are decided on. */
export interface ProfileTarget {
  /** the container's capabilities (its bounding set), as "CAP_X" */
  caps: readonly string[];
  /** Docker's name of the machine's architecture (default: this machine's) */
  arch?: string;
  /** the kernel's "major.minor" (default: this machine's) */
  kernel?: string;
}

/** Docker's names of architectures (Go's, as libseccomp spells them) and the libseccomp architecture each one is. */
const ARCHES: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  x86: 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  s390x: 'SCMP_ARCH_S390X',
  s390: 'SCMP_ARCH_S390',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  ppc64: 'SCMP_ARCH_PPC64',
  mips64: 'SCMP_ARCH_MIPS64',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
};

/** Node's process.arch as Docker names it (only those Docker 20.10 has a libseccomp architecture for). */
export function machineArch(): string | undefined {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return 'x86';
    case 'ppc64':
      return os.endianness() === 'LE' ? 'ppc64le' : 'ppc64';
    case 'arm64':
    case 'arm':
    case 's390x':
    case 's390':
      return process.arch;
    default:
      return undefined;
  }
}

const ACTIONS = new Set([
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
]);
const OPS = new Set([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);
const SECCOMP_ARCHES = new Set([
  ...Object.values(ARCHES),
  'SCMP_ARCH_X32',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_RISCV64',
]);

const failed = (why: string) => invalidArgument(`Decoding seccomp profile failed: ${why}`);

/**
 * A profile's JSON text, checked: every field of the type Docker reads it as, and
 * actions, operators and architectures that runc knows, so that a bad profile
 * fails when the container is created rather than when it starts.
 */
export function parseSeccompProfile(text: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw failed((e as Error).message);
  }
  if (!isObject(p)) throw failed('the profile is not a JSON object');
  const profile = p;
  optional(profile.defaultAction, 'string', 'defaultAction');
  if (profile.defaultAction !== undefined && profile.defaultAction !== '')
    action(profile.defaultAction as string, 'defaultAction');
  if (profile.defaultErrnoRet != null) uint(profile.defaultErrnoRet, 'defaultErrnoRet');
  const architectures = list(profile.architectures, 'architectures');
  const archMap = list(profile.archMap, 'archMap');
  for (const a of architectures) architecture(a, 'architectures');
  for (const [i, m] of archMap.entries()) {
    if (!isObject(m)) throw failed(`archMap[${i}] is not an object`);
    architecture(m.architecture, `archMap[${i}].architecture`);
    for (const a of list(m.subArchitectures, `archMap[${i}].subArchitectures`))
      architecture(a, `archMap[${i}].subArchitectures`);
  }
  if (architectures.length && archMap.length) {
    throw invalidArgument(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  const rules = list(profile.syscalls, 'syscalls');
  if (rules.length && !profile.defaultAction) throw failed('the profile has rules but no defaultAction');
  for (const [i, r] of rules.entries()) rule(r, i);
  return profile as unknown as SeccompProfile;
}

function rule(r: unknown, i: number): void {
  if (!isObject(r)) throw failed(`syscalls[${i}] is not an object`);
  optional(r.name, 'string', `syscalls[${i}].name`);
  const names = list(r.names, `syscalls[${i}].names`);
  for (const n of names)
    if (typeof n !== 'string') throw failed(`syscalls[${i}].names holds ${JSON.stringify(n)}, not a name`);
  if (r.name && names.length)
    throw invalidArgument("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  if (!r.name && !names.length) throw failed(`syscalls[${i}] names no syscall`);
  const what = `syscalls[${i}] (${(r.name as string) || String(names[0])})`;
  if (typeof r.action !== 'string') throw failed(`${what} has no action`);
  action(r.action, `${what}.action`);
  if (r.errnoRet != null) uint(r.errnoRet, `${what}.errnoRet`);
  optional(r.comment, 'string', `${what}.comment`);
  for (const [j, a] of list(r.args, `${what}.args`).entries()) {
    if (!isObject(a)) throw failed(`${what}.args[${j}] is not an object`);
    uint(a.index, `${what}.args[${j}].index`);
    if ((a.index as number) > 5)
      throw failed(`${what}.args[${j}].index is ${a.index as number}: a syscall has 6 arguments (0 to 5)`);
    uint(a.value ?? 0, `${what}.args[${j}].value`);
    uint(a.valueTwo ?? 0, `${what}.args[${j}].valueTwo`);
    if (typeof a.op !== 'string' || !OPS.has(a.op))
      throw failed(`${what}.args[${j}].op ${JSON.stringify(a.op)} is not one of ${[...OPS].join(', ')}`);
  }
  for (const side of ['includes', 'excludes'] as const) {
    const c = r[side];
    if (c == null) continue;
    if (!isObject(c)) throw failed(`${what}.${side} is not an object`);
    for (const key of ['caps', 'arches'] as const) {
      for (const v of list(c[key], `${what}.${side}.${key}`))
        if (typeof v !== 'string') throw failed(`${what}.${side}.${key} holds ${JSON.stringify(v)}`);
    }
    if (c.minKernel != null && c.minKernel !== '') kernelVersion(c.minKernel);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optional(v: unknown, type: 'string', what: string): void {
  if (v != null && typeof v !== type) throw failed(`${what} is ${JSON.stringify(v)}, not a ${type}`);
}

function list(v: unknown, what: string): unknown[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw failed(`${what} is not a list`);
  return v;
}

/** A number runc reads as an unsigned integer; beyond 2^53 JavaScript cannot hold it exactly, so refused rather than rounded. */
function uint(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw failed(`${what} is ${JSON.stringify(v)}, not an unsigned integer`);
  if (!Number.isSafeInteger(v)) throw failed(`${what} is ${v}: stowage holds numbers exactly only up to 2^53-1`);
}

function action(v: string, what: string): void {
  if (v === 'SCMP_ACT_NOTIFY')
    throw failed(`${what} SCMP_ACT_NOTIFY needs a seccomp agent, which a profile cannot name`);
  if (!ACTIONS.has(v)) throw failed(`${what} ${JSON.stringify(v)} is not one of ${[...ACTIONS].join(', ')}`);
}

function architecture(v: unknown, what: string): void {
  if (typeof v !== 'string' || !SECCOMP_ARCHES.has(v))
    throw failed(`${what}: unknown architecture ${JSON.stringify(v)}`);
}

/** "major.minor" of a minKernel (Docker's rule: two parts, each 0-255, not 0.0). */
function kernelVersion(v: unknown): [number, number] {
  const bad = (why = '') => failed(`invalid kernel version: ${JSON.stringify(v)}, expected "<kernel>.<major>"${why}`);
  if (typeof v !== 'string') throw bad();
  const parts = v.split('.');
  if (parts.length !== 2 || !parts.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) throw bad();
  const [k, m] = parts.map(Number);
  if (k === 0 && m === 0) throw bad(': version cannot be 0.0');
  return [k, m];
}

/** This machine's kernel as "major.minor" (from a release such as 6.1.0-18-amd64). */
function machineKernel(): string {
  return /^(\d+)\.(\d+)/.exec(os.release())?.slice(1, 3).join('.') ?? '0.0';
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [k, m] = kernel.split('.').map(Number);
  const [wantK, wantM] = kernelVersion(min);
  return k > wantK || (k === wantK && m >= wantM);
}

/**
 * The filter a profile makes for one container, as dockerd 20.10 builds it:
 * a rule is left out when an excluded architecture is the machine's, an
 * excluded capability is held or the kernel reaches an excluded minKernel;
 * and unless the machine's architecture is among those included, every
 * included capability is held and the kernel reaches the included minKernel.
 * Architectures are the profile's list, or its archMap entry for the machine's
 * architecture with that entry's sub-architectures. A profile with neither a
 * default action nor rules means no filter (undefined), as in Docker.
 */
export function profileToOci(profile: SeccompProfile, target: ProfileTarget): LinuxSeccomp | undefined {
  const syscalls = profile.syscalls ?? [];
  if (!profile.defaultAction && syscalls.length === 0) return undefined;
  const caps = new Set(target.caps);
  const arch = target.arch ?? machineArch();
  const kernel = target.kernel ?? machineKernel();
  const applies = (r: ProfileRule): boolean => {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (arch !== undefined && exc.arches?.includes(arch)) return false;
    if (exc.caps?.some((c) => caps.has(c))) return false;
    if (exc.minKernel && kernelAtLeast(kernel, exc.minKernel)) return false;
    if (inc.arches?.length && (arch === undefined || !inc.arches.includes(arch))) return false;
    if (inc.caps?.some((c) => !caps.has(c))) return false;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) return false;
    return true;
  };
  const native = arch !== undefined ? ARCHES[arch] : undefined;
  const mapped = native ? profile.archMap?.find((a) => a.architecture === native) : undefined;
  const architectures = [
    ...(profile.architectures ?? []),
    ...(mapped ? [mapped.architecture, ...(mapped.subArchitectures ?? [])] : []),
  ];
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet != null ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    syscalls: syscalls.filter(applies).map((r) => ({
      names: r.name ? [r.name] : [...(r.names ?? [])],
      action: r.action,
      ...(r.errnoRet != null ? { errnoRet: r.errnoRet } : {}),
      ...(r.args?.length
        ? {
            args: r.args.map(({ index, value, valueTwo, op }) => ({
              index,
              value: value ?? 0,
              ...(valueTwo ? { valueTwo } : {}),
              op,
            })),
          }
        : {}),
    })),
  };
}
