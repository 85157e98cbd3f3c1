// The one place the CRI pulls an image: the registry client (registry/) behind a
// small adapter, so that changes to the registry layer meet the CRI here only.
//
// Where from: registries.conf (/etc/containers/registries.conf or
// $STOWAGE_REGISTRIES_CONF, as the CLI's `pull`), with the CRI configuration's
// [registry.mirrors] tried first for their registry. A pull from a mirror records
// the image under the name that was asked for (tag and repo digest), as
// containerd does. Credentials are the kubelet's, for the image's own registry.
import type { Digest } from '../digest';
import type { Engine } from '../engine/engine';
import { pullImage, registriesConf, type AuthConfig as RegistryAuth, type RegistriesConf } from '../registry';
import { parseNormalized, withDefaultTag } from '../reference';
import type { AuthConfig } from './types';

export interface PullOptions {
  /** mirror locations per registry host (host[:port][/path]), from the CRI configuration */
  mirrors: Record<string, string[]>;
  auth?: AuthConfig | null;
}

/**
 * registries.conf with the CRI configuration's mirrors in front of those it lists
 * for the same registry (an entry of its own when it has none).
 */
export function withCriMirrors(conf: RegistriesConf, mirrors: Record<string, string[]>): RegistriesConf {
  const registries = conf.registries.map((r) => ({ ...r, mirrors: [...r.mirrors] }));
  for (const [host, locations] of Object.entries(mirrors)) {
    const extra = locations.map((location) => ({ location, insecure: false, pullFromMirror: 'all' as const }));
    const entry = registries.find((r) => r.prefix === host);
    if (entry) entry.mirrors.unshift(...extra);
    else
      registries.push({
        prefix: host,
        location: host,
        insecure: false,
        blocked: false,
        mirrorByDigestOnly: false,
        mirrors: extra,
      });
  }
  return { registries };
}

/** The kubelet's credentials in the registry client's shape; undefined when it sent none (config.json's apply). */
export function registryAuth(a: AuthConfig | null | undefined): RegistryAuth | undefined {
  if (!a || !(a.username || a.password || a.auth || a.identity_token || a.registry_token)) return undefined;
  return {
    username: a.username || undefined,
    password: a.password || undefined,
    auth: a.auth || undefined,
    serveraddress: a.server_address || undefined,
    identitytoken: a.identity_token || undefined,
    registrytoken: a.registry_token || undefined,
  };
}

/** Pulls `image` (a CRI image name) into the store; resolves with the image ID. */
export async function pullForCri(engine: Engine, image: string, opts: PullOptions): Promise<Digest> {
  const ref = withDefaultTag(parseNormalized(image));
  const registries = withCriMirrors(registriesConf(), opts.mirrors);
  const r = await pullImage(engine.store, engine.images, ref, {
    auth: registryAuth(opts.auth),
    sources: { registries },
  });
  return r.id;
}
