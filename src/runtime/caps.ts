// Linux capabilities of a container, as Docker 20.10 computes them
// (moby oci/caps: DefaultCapabilities, NormalizeLegacyCapabilities, TweakCapabilities).
import fs from 'node:fs';
import { invalidArgument } from '../errdefs';

/** Docker's default set, in Docker's order. */
export const DEFAULT_CAPS: string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/**
 * Every capability runc 1.1.5 knows (gocapability's list), in kernel number
 * order (0..40). Docker derives "ALL" from the kernel's cap_last_cap; a static
 * list keeps specs reproducible, and runc 1.1 ignores (with a warning) any the
 * running kernel lacks.
 */
export const ALL_CAPS: string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

const ALL = 'ALL';

/** Upper-cases, adds the CAP_ prefix, keeps the magic "ALL"; unknown names fail with Docker's wording. */
export function normalizeCaps(caps: readonly string[] = []): string[] {
  return caps.map((raw) => {
    let c = raw.toUpperCase();
    if (c === ALL) return c;
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    // Go's %q: a double-quoted string; JSON quoting matches it for printable names
    if (!ALL_CAPS.includes(c)) throw invalidArgument(`unknown capability: ${JSON.stringify(c)}`);
    return c;
  });
}

/**
 * The capabilities in this process's bounding set. A container cannot get
 * more (runc fails with EPERM applying them), so "all" means these: Docker
 * uses every cap the kernel knows and fails on hosts (or nested sandboxes)
 * whose bounding set lacks one; podman filters like this.
 */
export function boundingCaps(): string[] {
  try {
    const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (hex !== undefined) {
      const mask = BigInt(`0x${hex}`);
      return ALL_CAPS.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
    }
  } catch {
    // not Linux or no /proc: assume everything
  }
  return [...ALL_CAPS];
}

/**
 * The container's capability list. Privileged: all of them (add/drop are not
 * even validated, as in Docker). `--cap-add ALL` = all minus the drops;
 * `--cap-drop ALL` = only the adds; otherwise defaults minus drops plus adds.
 * "All" is `available` (see boundingCaps); names are validated against ALL_CAPS.
 * Unlike Docker we drop duplicates (an added default cap), which changes nothing for runc.
 */
export function tweakCapabilities(
  capAdd: readonly string[] = [],
  capDrop: readonly string[] = [],
  privileged = false,
  available: readonly string[] = ALL_CAPS,
): string[] {
  if (privileged) return [...available];
  if (capAdd.length === 0 && capDrop.length === 0) return [...DEFAULT_CAPS];
  const drops = normalizeCaps(capDrop);
  const adds = normalizeCaps(capAdd);
  let caps: string[];
  if (adds.includes(ALL)) caps = available.filter((c) => !drops.includes(c));
  else if (drops.includes(ALL)) caps = adds;
  else caps = [...DEFAULT_CAPS.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)];
}
