// Image references parsed as Docker's distribution/reference does (normalized
// names: `busybox` is `docker.io/library/busybox:latest`, shown as `busybox`).
import { StowageError } from '../errdefs';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const host = `(?:${domainName}|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const REFERENCE_RE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const ANCHORED_HEX64 = /^[a-f0-9]{64}$/;

export class InvalidReferenceError extends StowageError {
  /** For an uppercase repository: its path as the docker CLI names it (library/Bad). */
  readonly remote?: string;
  constructor(message: string, remote?: string) {
    super('invalid-argument', message);
    this.remote = remote;
  }
}

export interface Reference {
  /** Registry host, e.g. docker.io or localhost:5000. */
  readonly domain: string;
  /** Repository path within the registry, e.g. library/busybox. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Full repository name: docker.io/library/busybox. */
export function repoName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Canonical string: docker.io/library/busybox:latest (or @sha256:...). */
export function fullString(ref: Reference): string {
  let s = repoName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The repository as Docker shows it: busybox, user/app, localhost:5000/a/b. */
export function familiarName(ref: Reference): string {
  if (ref.domain === DEFAULT_DOMAIN) {
    return ref.path.startsWith(OFFICIAL_PREFIX) && ref.path.indexOf('/', OFFICIAL_PREFIX.length) < 0
      ? ref.path.slice(OFFICIAL_PREFIX.length)
      : ref.path;
  }
  return repoName(ref);
}

/** busybox:latest, localhost:5000/a:v1, or name@digest. */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

function splitDomain(nameStr: string): { domain: string; path: string } {
  const i = nameStr.indexOf('/');
  let d: string;
  let rest: string;
  if (
    i < 0 ||
    (!/[.:]/.test(nameStr.slice(0, i)) &&
      nameStr.slice(0, i) !== 'localhost' &&
      nameStr.slice(0, i).toLowerCase() === nameStr.slice(0, i))
  ) {
    d = DEFAULT_DOMAIN;
    rest = nameStr;
  } else {
    d = nameStr.slice(0, i);
    rest = nameStr.slice(i + 1);
  }
  if (d === LEGACY_DOMAIN) d = DEFAULT_DOMAIN;
  if (d === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
  return { domain: d, path: rest };
}

/**
 * Parses a user-typed reference into its normalized form (Docker's
 * ParseNormalizedNamed). No tag is added here: see withDefaultTag.
 */
export function parseNormalized(s: string): Reference {
  if (ANCHORED_HEX64.test(s)) {
    throw new InvalidReferenceError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const remainder = splitDomainRaw(s);
  if (remainder.toLowerCase() !== remainder) {
    const first = s.split('/')[0];
    const hasDomain = s.includes('/') && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
    const remote = hasDomain || remainder.includes('/') ? remainder : `library/${remainder}`;
    throw new InvalidReferenceError('invalid reference format: repository name must be lowercase', remote);
  }
  const m = REFERENCE_RE.exec(s);
  if (!m) throw new InvalidReferenceError('invalid reference format');
  const [, nameStr, tagStr, digestStr] = m;
  if (nameStr.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  }
  const { domain: dom, path } = splitDomain(nameStr);
  return { domain: dom, path, tag: tagStr, digest: digestStr };
}

// The repository path after the domain, without tag: only for the lowercase check, as Docker does.
function splitDomainRaw(s: string): string {
  const beforeDigest = s.split('@')[0];
  const i = beforeDigest.indexOf('/');
  const first = i < 0 ? '' : beforeDigest.slice(0, i);
  const isDomain = i >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  return stripTag(isDomain ? beforeDigest.slice(i + 1) : beforeDigest);
}

function stripTag(s: string): string {
  const colon = s.lastIndexOf(':');
  return colon > s.lastIndexOf('/') ? s.slice(0, colon) : s;
}

/** Adds :latest when the reference has neither tag nor digest. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** Parses REPOSITORY[:TAG] for tag/commit/import targets: digests are refused, :latest added. */
export function parseTagTarget(s: string): Reference {
  const ref = parseNormalized(s);
  if (ref.digest !== undefined) throw new InvalidReferenceError('refusing to create a tag with a digest reference');
  return withDefaultTag(ref);
}
