// Where a reference is pulled from, in order: the mirrors registries.conf
// lists for it, then (for docker.io) daemon.json's registry-mirrors, then its
// own registry, or the location registries.conf rewrites it to. Pushes go to
// that location only, never to a mirror.
import { invalidArgument, StowageError } from '../errdefs';
import { repoName, type Reference } from '../reference';
import { daemonRegistryConfig, type DaemonRegistryConfig } from './daemon-config';
import { findRegistry, registriesConf, rewrite, type RegistriesConf } from './registries-conf';

export interface Source {
  domain: string;
  /** the repository path at that registry */
  path: string;
  mirror: boolean;
  /** configured insecure */
  insecure: boolean;
  /** a mirror given as http:// */
  plainHttp: boolean;
}

export interface SourceConfig {
  registries?: RegistriesConf;
  daemon?: DaemonRegistryConfig;
}

function split(name: string, insecure: boolean, mirror: boolean, plainHttp = false): Source {
  const i = name.indexOf('/');
  if (i <= 0 || i === name.length - 1)
    throw invalidArgument(`registries.conf rewrites the image to ${name}, which names no repository`);
  return { domain: name.slice(0, i), path: name.slice(i + 1), insecure, mirror, plainHttp };
}

/** The registry location and settings for a push (or a pull without mirrors). */
export function originSource(ref: Reference, cfg: SourceConfig = {}): Source {
  const conf = cfg.registries ?? registriesConf();
  const name = repoName(ref);
  const entry = findRegistry(conf, name);
  if (entry?.blocked) throw new StowageError('forbidden', `registry ${entry.prefix} is blocked in registries.conf`);
  if (!entry) return { domain: ref.domain, path: ref.path, insecure: false, mirror: false, plainHttp: false };
  return split(rewrite(entry, entry.location, name), entry.insecure, false);
}

/** Every place to pull `ref` from, mirrors first. */
export function pullSources(ref: Reference, cfg: SourceConfig = {}): Source[] {
  const conf = cfg.registries ?? registriesConf();
  const daemon = cfg.daemon ?? daemonRegistryConfig();
  const origin = originSource(ref, { registries: conf });
  const name = repoName(ref);
  const entry = findRegistry(conf, name);
  const byDigest = !!ref.digest;
  const out: Source[] = [];
  for (const m of entry ? entry.mirrors : []) {
    if (!entry || (entry.mirrorByDigestOnly && !byDigest)) continue;
    if (m.pullFromMirror === 'digest-only' && !byDigest) continue;
    if (m.pullFromMirror === 'tag-only' && byDigest) continue;
    out.push(split(rewrite(entry, m.location, name), m.insecure, true));
  }
  if (origin.domain === 'docker.io') {
    for (const url of daemon.mirrors) {
      const u = new URL(url);
      out.push({ domain: u.host, path: origin.path, insecure: false, mirror: true, plainHttp: u.protocol === 'http:' });
    }
  }
  out.push(origin);
  return out;
}
