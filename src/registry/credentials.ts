// Registry credentials where the docker CLI keeps them: config.json in
// $DOCKER_CONFIG or ~/.docker (base64 user:password under `auths`), or a
// credential helper program (`credsStore` for all registries, `credHelpers`
// per registry) speaking the docker-credential-helpers protocol: the action as
// argument (get, store, erase), the server URL or a JSON record on stdin.
// Docker Hub's key is https://index.docker.io/v1/, others are host[:port].
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument, StowageError } from '../errdefs';

/** Credentials as the Engine API and config.json carry them (Docker's registry.AuthConfig). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of username:password (config.json's form) */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** a refresh token from the token server, used instead of the password */
  identitytoken?: string;
  /** a bearer token for the registry itself */
  registrytoken?: string;
}

export const INDEX_SERVER = 'https://index.docker.io/v1/';

/** The key credentials are kept under for a registry domain. */
export function credentialKey(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' || domain === 'registry-1.docker.io'
    ? INDEX_SERVER
    : domain;
}

/** host[:port] of a server address written as a URL or a name (docker's ConvertToHostname). */
export function convertToHostname(address: string): string {
  if (address.includes('://')) {
    try {
      const u = new URL(address);
      if (u.hostname) return u.host;
    } catch {
      /* as a name */
    }
  }
  return address.split('/')[0];
}

export const dockerConfigDir = (): string => process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
export const dockerConfigFile = (): string => path.join(dockerConfigDir(), 'config.json');

interface StoredAuth {
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
  [k: string]: unknown;
}

interface ConfigJson {
  auths?: Record<string, StoredAuth>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

function readConfig(file = dockerConfigFile()): ConfigJson {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalidArgument(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!text.trim()) return {};
  try {
    const json = JSON.parse(text) as ConfigJson;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalidArgument('not an object');
    return json;
  } catch (e) {
    throw invalidArgument(`loading config file: ${file}: ${(e as Error).message}`);
  }
}

/** Writes config.json as the docker CLI does: through a temporary file renamed over it, mode 0600, every other key kept. */
function writeConfig(cfg: ConfigJson, file = dockerConfigFile()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    /* not there yet */
  }
  const tmp = `${target}.${process.pid}.tmp`;
  let mode = 0o600;
  try {
    mode = fs.statSync(target).mode & 0o777;
  } catch {
    /* new */
  }
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, '\t'), { mode });
  fs.renameSync(tmp, target);
}

function decodeAuth(b64: string, where: string): { username: string; password: string } {
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) throw invalidArgument(`invalid auth configuration for ${where} in ${dockerConfigFile()}`);
  return { username: text.slice(0, i), password: text.slice(i + 1).replace(/\0+$/, '') };
}

/** The helper for a server: credHelpers[server], else credsStore, else none. */
function helperFor(cfg: ConfigJson, server: string): string | undefined {
  return cfg.credHelpers?.[server] ?? (cfg.credsStore || undefined);
}

const NOT_FOUND = 'credentials not found in native keychain';

function runHelper(
  helper: string,
  action: 'get' | 'store' | 'erase',
  input: string,
): { ok: boolean; out: string; err?: string } {
  const program = `docker-credential-${helper}`;
  const r = spawnSync(program, [action], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    const notThere = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      out: '',
      err: notThere ? `exec: "${program}": executable file not found in $PATH` : r.error.message,
    };
  }
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.status === 0 ? undefined : `exit status ${r.status}` };
}

/** Credentials stored for `server` (a credential key), or an empty record. */
export function getCredentials(server: string): AuthConfig {
  const cfg = readConfig();
  const helper = helperFor(cfg, server);
  const stored =
    cfg.auths?.[server] ??
    Object.entries(cfg.auths ?? {}).find(([k]) => server !== INDEX_SERVER && convertToHostname(k) === server)?.[1];
  if (helper) {
    const r = runHelper(helper, 'get', server);
    if (!r.ok) {
      if (r.out === NOT_FOUND) return { serveraddress: server, email: stored?.email };
      throw new StowageError('unavailable', `error getting credentials - err: ${r.err}, out: \`${r.out}\``);
    }
    let creds: { Username?: string; Secret?: string; ServerURL?: string };
    try {
      creds = JSON.parse(r.out) as typeof creds;
    } catch {
      // any parse failure means the same thing: the helper's answer is not JSON
      throw new StowageError(
        'unavailable',
        `error getting credentials - docker-credential-${helper} answered no JSON: \`${r.out.slice(0, 200)}\``,
      );
    }
    if (creds.Username === '<token>') return { serveraddress: server, identitytoken: creds.Secret };
    return { serveraddress: server, username: creds.Username, password: creds.Secret };
  }
  if (!stored) return { serveraddress: server };
  const out: AuthConfig = {
    serveraddress: server,
    email: stored.email,
    identitytoken: stored.identitytoken,
    registrytoken: stored.registrytoken,
  };
  if (stored.auth) Object.assign(out, decodeAuth(stored.auth, server));
  return out;
}

/**
 * Stores credentials under `auth.serveraddress`: in its helper, or in
 * config.json (then the returned `plainFile` names the file, for Docker's warning).
 */
export function storeCredentials(auth: AuthConfig): { plainFile?: string } {
  const server = auth.serveraddress;
  if (!server) throw invalidArgument('no server address to store credentials for');
  const cfg = readConfig();
  const helper = helperFor(cfg, server);
  cfg.auths ??= {};
  if (helper) {
    const record = auth.identitytoken
      ? { ServerURL: server, Username: '<token>', Secret: auth.identitytoken }
      : { ServerURL: server, Username: auth.username ?? '', Secret: auth.password ?? '' };
    const r = runHelper(helper, 'store', JSON.stringify(record));
    if (!r.ok)
      throw new StowageError(
        'unavailable',
        `Error saving credentials: error storing credentials - err: ${r.err}, out: \`${r.out}\``,
      );
    // config.json keeps an empty entry, as the docker CLI's native store does
    cfg.auths[server] = auth.email ? { email: auth.email } : {};
    writeConfig(cfg);
    return {};
  }
  const entry: StoredAuth = {};
  // (with an identity token the docker CLI keeps "user:" as auth beside it)
  if (auth.username || auth.password)
    entry.auth = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
  if (auth.identitytoken) entry.identitytoken = auth.identitytoken;
  if (auth.email) entry.email = auth.email;
  cfg.auths[server] = entry;
  writeConfig(cfg);
  return auth.password ? { plainFile: dockerConfigFile() } : {};
}

/**
 * Erases the credentials kept under `server`; false when there were none.
 * A helper's failure is an error.
 */
export function eraseCredentials(server: string): boolean {
  const cfg = readConfig();
  const helper = helperFor(cfg, server);
  let found = false;
  if (helper) {
    const r = runHelper(helper, 'erase', server);
    if (!r.ok && r.out !== NOT_FOUND)
      throw new StowageError('unavailable', `error erasing credentials - err: ${r.err}, out: \`${r.out}\``);
    found = r.ok;
  }
  if (cfg.auths && server in cfg.auths) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- config.json's auths is a JSON object, written back with every other key kept
    delete cfg.auths[server];
    writeConfig(cfg);
    found = true;
  }
  return found;
}

/** Whether anything is kept for `server` (in config.json; a helper is asked only when one is configured). */
export function hasCredentials(server: string): boolean {
  const cfg = readConfig();
  if (cfg.auths && server in cfg.auths) return true;
  if (!helperFor(cfg, server)) return false;
  const c = getCredentials(server);
  return !!(c.username || c.identitytoken);
}

/** The X-Registry-Auth header's value (base64url JSON, as the docker CLI sends it) decoded; undefined when absent or empty. */
export function decodeRegistryAuthHeader(value: string | undefined): AuthConfig | undefined {
  if (!value) return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    // any decode or parse failure means the same thing: the header is not base64 JSON
    throw invalidArgument('invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  return authConfigFromJson(json);
}

/** An AuthConfig from the JSON of the Engine API (keys in any case, as Go decodes them). */
export function authConfigFromJson(json: Record<string, unknown>): AuthConfig | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const get = (k: string) => {
    const hit = Object.keys(json).find((x) => x.toLowerCase() === k);
    const v = hit === undefined ? undefined : json[hit];
    return typeof v === 'string' && v ? v : undefined;
  };
  const auth: AuthConfig = {
    username: get('username'),
    password: get('password'),
    auth: get('auth'),
    email: get('email'),
    serveraddress: get('serveraddress'),
    identitytoken: get('identitytoken'),
    registrytoken: get('registrytoken'),
  };
  if (auth.auth && !auth.username) Object.assign(auth, decodeAuth(auth.auth, 'X-Registry-Auth'));
  const any = Object.values(auth).some((v) => v !== undefined);
  return any ? auth : undefined;
}

/** Whether `auth` carries anything to authenticate with. */
export const hasSecret = (auth: AuthConfig | undefined): boolean =>
  !!(auth && ((auth.username && auth.password) || auth.identitytoken || auth.registrytoken));

/**
 * The X-Registry-Config header of a build (base64url JSON: server address →
 * AuthConfig, as the docker CLI sends all it has) as a lookup by registry domain.
 */
export function decodeRegistryConfigHeader(value: string | undefined): (domain: string) => AuthConfig | undefined {
  if (!value) return () => undefined;
  let json: Record<string, Record<string, unknown>>;
  try {
    json = JSON.parse(
      Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'),
    ) as typeof json;
  } catch {
    // any decode or parse failure means the same thing: the header is not base64 JSON
    throw invalidArgument('invalid X-Registry-Config header: not base64-encoded JSON');
  }
  const byKey = new Map<string, AuthConfig>();
  for (const [k, v] of Object.entries(json ?? {})) {
    const a = v && typeof v === 'object' ? authConfigFromJson(v) : undefined;
    if (a) byKey.set(k === INDEX_SERVER ? k : convertToHostname(k), a);
  }
  return (domain) => byKey.get(credentialKey(domain));
}
