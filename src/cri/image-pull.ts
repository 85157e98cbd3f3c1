// The one place the CRI pulls an image: the registry client (registry/pull.ts)
// behind a small adapter, so that changes to the registry layer (credentials,
// TLS, registries.conf) meet the CRI here only.
//
// Mirrors: the CRI configuration's [registry.mirrors] lists, per registry host,
// locations tried in order before the registry itself. A pull from a mirror
// records the image under the name that was asked for (tag and repo digest), as
// containerd does: the mirror's own names are not left behind.
import { writeTx } from '../metadata/db';
import type { Digest } from '../digest';
import type { Engine } from '../engine/engine';
import { invalidArgument, isNotFound, StowageError } from '../errdefs';
import { pullImage, type PullEvents } from '../registry/pull';
import { fullString, parseNormalized, repoName, withDefaultTag, type Reference } from '../reference';
import type { AuthConfig } from './types';

const QUIET: PullEvents = { status() {}, progress() {} };

export interface PullOptions {
  /** mirror locations per registry host (host[:port][/path]) */
  mirrors: Record<string, string[]>;
  auth?: AuthConfig | null;
}

/** Where a reference is pulled from: each mirror of its registry, then the registry. */
export function pullSources(ref: Reference, mirrors: Record<string, string[]>): Reference[] {
  const rest = ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
  const fromMirrors = (mirrors[ref.domain] ?? []).map((loc) => parseNormalized(`${loc}/${ref.path}${rest}`));
  return [...fromMirrors, ref];
}

const hasCredentials = (a: AuthConfig | null | undefined) => !!a && !!(a.username || a.password || a.auth || a.identity_token || a.registry_token);

/** Pulls `image` (a CRI image name) into the store; resolves with the image ID. */
export async function pullForCri(engine: Engine, image: string, opts: PullOptions): Promise<Digest> {
  const ref = withDefaultTag(parseNormalized(image));
  if (hasCredentials(opts.auth)) {
    // the registry client of this branch asks for anonymous tokens only
    throw new StowageError('not-implemented', `pulling with credentials is not supported yet: ${image}`);
  }
  let notFoundError: unknown;
  let lastError: unknown;
  for (const source of pullSources(ref, opts.mirrors)) {
    try {
      const before = namesOf(engine, source);
      const r = await pullImage(engine.store, engine.images, source, QUIET);
      if (source !== ref) recordUnder(engine, ref, source, r.id, r.digest, before);
      engine.images.emit(r.id, fullString(ref), 'pull');
      return r.id;
    } catch (e) {
      lastError = e;
      if (isNotFound(e)) notFoundError ??= e;
    }
  }
  // "not found" at a mirror says more than an unreachable registry after it
  throw notFoundError ?? lastError ?? invalidArgument(`cannot pull ${image}`);
}

/**
 * The image pulled from a mirror as `source` takes the names of `ref`; the names
 * of `source` it did not have before the pull are taken back.
 */
function recordUnder(engine: Engine, ref: Reference, source: Reference, id: Digest, digest: Digest, before: Set<string>): void {
  const images = engine.store.images;
  writeTx(engine.store.db, () => {
    if (!ref.digest) images.setRef(fullString(ref), id);
    images.setRef(`${repoName(ref)}@${digest}`, id, true);
    // the pull named it by the mirror's tag and digest: those go unless they were there before
    const mirrorTag = source.digest ? undefined : fullString(source);
    const mirrorDigest = `${repoName(source)}@${digest}`;
    for (const name of [mirrorTag, mirrorDigest]) {
      if (name && !before.has(name)) images.deleteRef(name);
    }
  });
}

/** The store's names (tags and digests) in the repository of `ref`. */
function namesOf(engine: Engine, ref: Reference): Set<string> {
  const repo = repoName(ref);
  return new Set(engine.store.images.allRefs().map((r) => r.name).filter((n) => n.startsWith(`${repo}:`) || n.startsWith(`${repo}@`)));
}
