// Checking credentials against a registry, as the daemon's POST /auth does
// for `docker login`: GET /v2/ with them (basic, or a token obtained with
// them and asked as an offline token, whose refresh token becomes the
// identity token the CLI keeps instead of the password).
import { StowageError } from '../errdefs';
import { Registry } from './client';
import { INDEX_SERVER, type AuthConfig } from './credentials';
import type { RegistryHosts } from './hosts';

export interface LoginResult {
  status: 'Login Succeeded';
  /** a refresh token to keep instead of the password, when the token server gave one */
  identityToken?: string;
}

/** The registry domain a login's server address names (Docker Hub for its index URL). */
export function loginDomain(server: string): string {
  if (!server || server === INDEX_SERVER || server === 'docker.io' || server === 'index.docker.io') return 'docker.io';
  const withScheme = /^https?:\/\//.test(server) ? server : `https://${server}`;
  try {
    return new URL(withScheme).host;
  } catch {
    // any URL parse failure means the same thing: the address does not parse
    throw new StowageError('invalid-argument', `unable to parse server address: ${server}`);
  }
}

/** Logs in to `server` with `auth`: resolves when the registry accepts them, throws an 'unauthorized' error when not. */
export async function checkLogin(
  server: string,
  auth: AuthConfig,
  opts: { hosts?: RegistryHosts; signal?: AbortSignal } = {},
): Promise<LoginResult> {
  const registry = new Registry(loginDomain(server || auth.serveraddress || ''), {
    auth,
    offline: true,
    hosts: opts.hosts,
    signal: opts.signal,
  });
  await registry.connect();
  const res = await registry.request('GET', '/v2/');
  res.discard();
  if (res.status === 200) return { status: 'Login Succeeded', identityToken: registry.identityToken };
  throw new StowageError(
    res.status === 401 || res.status === 403 ? 'unauthorized' : 'unavailable',
    `login attempt to ${registry.origin}/v2/ failed with status: ${res.status} ${res.statusText}`,
  );
}
