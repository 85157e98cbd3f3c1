// The seccomp filter a container runs with (OCI linux.seccomp, applied by runc
// just before the container's process starts), chosen as dockerd chooses it:
// none with --privileged or `--security-opt seccomp=unconfined`, the profile
// given as `seccomp=<JSON>` (the CLI and the docker CLI put the file's content
// there), else the default profile (seccomp-default.ts). Either profile is
// converted for the container's capabilities by seccomp-profile.ts.
import { DEFAULT_PROFILE } from './seccomp-default';
import { parseSeccompProfile, profileToOci, type LinuxSeccomp } from './seccomp-profile';

export type { LinuxSeccomp, SeccompArg, SeccompSyscall, SeccompProfile } from './seccomp-profile';
export { DEFAULT_PROFILE } from './seccomp-default';

/** The default filter for a container with these capabilities (its bounding set, as "CAP_X"). */
export function defaultSeccomp(caps: readonly string[]): LinuxSeccomp {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the built-in profile has a defaultAction, so it always yields a filter
  return profileToOci(DEFAULT_PROFILE, { caps })!;
}

/**
 * A profile in Docker's format (its JSON text) as the filter for a container
 * with these capabilities; undefined for a profile with neither a default
 * action nor rules (no filter, as Docker). Throws Docker's "Decoding seccomp
 * profile failed: ..." for a bad profile.
 */
export function seccompFromProfile(text: string, caps: readonly string[]): LinuxSeccomp | undefined {
  return profileToOci(parseSeccompProfile(text), { caps });
}

/** The filter of a container from its --security-opt values, or undefined for none. */
export function containerSeccomp(
  securityOpt: readonly string[],
  privileged: boolean,
  caps: readonly string[],
): LinuxSeccomp | undefined {
  if (privileged) return undefined;
  const value = seccompOption(securityOpt);
  if (value === 'unconfined') return undefined;
  if (value !== undefined) return seccompFromProfile(value, caps);
  return defaultSeccomp(caps);
}

/** The value of the last seccomp=/seccomp: security option (the last one wins, as in Docker). */
export function seccompOption(securityOpt: readonly string[]): string | undefined {
  const opt = securityOpt.filter((o) => /^seccomp[=:]/.test(o)).at(-1);
  return opt?.slice('seccomp='.length);
}
