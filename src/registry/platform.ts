// Platforms as containerd's `platforms` package reads them: os/arch[/variant],
// normalized (x86_64 is amd64, aarch64 is arm64 whose default variant is v8,
// arm's is v7), matched against an index's entries and an image's config.
import { invalidArgument } from '../errdefs';
import { hostArch } from '../image/config-json';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH: Record<string, string> = {
  x86_64: 'amd64',
  x86: '386',
  i386: '386',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
};

export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let architecture = ARCH[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (p.architecture.toLowerCase() === 'armhf') variant ??= 'v7';
  if (p.architecture.toLowerCase() === 'armel') variant ??= 'v6';
  if (architecture === 'arm64') variant = variant === '8' || variant === 'v8' ? 'v8' : (variant ?? 'v8');
  else if (architecture === 'arm') variant = variant ? (/^\d+$/.test(variant) ? `v${variant}` : variant) : 'v7';
  else if (architecture === 'amd64' && (variant === 'v1' || !variant)) variant = undefined;
  if (architecture === 'aarch64') architecture = 'arm64';
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Parses --platform: os[/arch[/variant]] (an arch alone is taken with linux, as containerd does). */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (!s || parts.length > 3 || parts.some((x) => !x || !/^[A-Za-z0-9_.-]+$/.test(x)))
    throw invalidArgument(`"${s}": unknown operating system or architecture: invalid argument`);
  if (parts.length === 1) {
    const known = ['linux', 'windows', 'darwin', 'freebsd'].includes(parts[0].toLowerCase());
    return normalizePlatform(
      known ? { os: parts[0], architecture: hostArch() } : { os: 'linux', architecture: parts[0] },
    );
  }
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export const hostPlatform = (): Platform => normalizePlatform({ os: 'linux', architecture: hostArch() });

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Whether an entry (or image) of platform `have` serves `want`. */
export function platformMatches(want: Platform, have: Partial<Platform> | undefined): boolean {
  if (!have?.os || !have.architecture) return false;
  const h = normalizePlatform({ os: have.os, architecture: have.architecture, variant: have.variant });
  const w = normalizePlatform(want);
  if (h.os !== w.os || h.architecture !== w.architecture) return false;
  // an entry without a variant serves any variant of its arch; one with a variant only that one
  return !h.variant || !w.variant || h.variant === w.variant;
}
