// A reader of containers-registries.conf(5), the file CRI-O, podman and skopeo
// share: /etc/containers/registries.conf (or the file $STOWAGE_REGISTRIES_CONF
// names) and the *.conf drop-ins of the registries.conf.d directory beside it.
// stowage honours the `[[registry]]` tables (prefix, location, insecure,
// blocked, mirror-by-digest-only) and their `[[registry.mirror]]` lists
// (location, insecure, pull-from-mirror), and the v1 tables
// `[registries.insecure]` and `[registries.block]`. Short-name settings
// (`unqualified-search-registries`, `[aliases]`) do not apply: names are
// normalized to docker.io as Docker does.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { invalidArgument } from '../errdefs';

export const DEFAULT_REGISTRIES_CONF = '/etc/containers/registries.conf';

export const registriesConfPath = (): string => process.env.STOWAGE_REGISTRIES_CONF || DEFAULT_REGISTRIES_CONF;

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface MirrorEntry {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry {
  /** what image names it applies to: host[:port][/path], or *.domain */
  prefix: string;
  /** where those names are pulled from (the prefix replaced by it); empty for a wildcard prefix */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorEntry[];
}

export interface RegistriesConf {
  registries: RegistryEntry[];
}

type Table = Record<string, unknown>;

const EMPTY: RegistriesConf = { registries: [] };

function str(t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidArgument(`${where}: ${key} must be a string`);
  return v;
}

function bool(t: Table, key: string, where: string): boolean {
  const v = t[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw invalidArgument(`${where}: ${key} must be true or false`);
  return v;
}

/** A location as c/image accepts it: host[:port][/path], no scheme, no trailing slash. */
function checkLocation(loc: string, where: string): string {
  if (loc.includes('://'))
    throw invalidArgument(`${where}: invalid location ${JSON.stringify(loc)}: a location has no scheme`);
  return loc.replace(/\/+$/, '');
}

function parseRegistry(t: Table, where: string): RegistryEntry {
  const location = checkLocation(str(t, 'location', where) ?? '', where);
  let prefix = str(t, 'prefix', where) ?? '';
  if (!prefix) {
    if (!location) throw invalidArgument(`${where}: a [[registry]] needs a location or a prefix`);
    prefix = location;
  }
  if (prefix.startsWith('*.')) {
    if (location) throw invalidArgument(`${where}: a wildcard prefix (${prefix}) takes no location`);
    if (prefix.slice(2).includes('/') || prefix.slice(2).includes('*'))
      throw invalidArgument(`${where}: invalid wildcard prefix ${prefix}`);
  } else {
    if (prefix.includes('*'))
      throw invalidArgument(`${where}: invalid prefix ${prefix}: a wildcard only starts a prefix (*.example.com)`);
    prefix = checkLocation(prefix, where);
  }
  const mirrorsRaw = t.mirror ?? [];
  if (!Array.isArray(mirrorsRaw))
    throw invalidArgument(`${where}: mirror must be a list of [[registry.mirror]] tables`);
  const mirrors = mirrorsRaw.map((m: Table, i) => {
    const w = `${where} mirror ${i + 1}`;
    const loc = str(m, 'location', w);
    if (!loc) throw invalidArgument(`${w}: a mirror needs a location`);
    const pull = (str(m, 'pull-from-mirror', w) ?? 'all') as PullFromMirror;
    if (!['all', 'digest-only', 'tag-only'].includes(pull))
      throw invalidArgument(`${w}: pull-from-mirror must be all, digest-only or tag-only, not ${pull}`);
    return { location: checkLocation(loc, w), insecure: bool(m, 'insecure', w), pullFromMirror: pull };
  });
  return {
    prefix,
    location,
    insecure: bool(t, 'insecure', where),
    blocked: bool(t, 'blocked', where),
    mirrorByDigestOnly: bool(t, 'mirror-by-digest-only', where),
    mirrors,
  };
}

/** Parses one file's text (TOML). */
export function parseRegistriesConf(text: string, file: string): RegistriesConf {
  let doc: Table;
  try {
    doc = parseToml(text);
  } catch (e) {
    throw invalidArgument(`${file} is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  const out: RegistriesConf = { registries: [] };
  const v2 = doc.registry;
  if (v2 !== undefined) {
    if (!Array.isArray(v2)) throw invalidArgument(`${file}: registry must be a list of [[registry]] tables`);
    v2.forEach((t: Table, i) => out.registries.push(parseRegistry(t, `${file}: [[registry]] ${i + 1}`)));
  }
  const v1 = doc.registries as Table | undefined;
  if (v1 !== undefined) {
    if (v2 !== undefined)
      throw invalidArgument(`${file} mixes the v1 [registries.*] tables with v2 [[registry]] tables`);
    const list = (name: string): string[] => {
      const regs = (v1[name] as Table | undefined)?.registries ?? [];
      if (!Array.isArray(regs) || regs.some((r) => typeof r !== 'string'))
        throw invalidArgument(`${file}: registries.${name}.registries must be a list of strings`);
      return regs as string[];
    };
    const upsert = (loc: string) => {
      let e = out.registries.find((r) => r.prefix === loc);
      if (!e)
        out.registries.push(
          (e = { prefix: loc, location: loc, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] }),
        );
      return e;
    };
    for (const r of list('insecure')) upsert(checkLocation(r, file)).insecure = true;
    for (const r of list('block')) upsert(checkLocation(r, file)).blocked = true;
  }
  return out;
}

/** Merges drop-ins over the main file: an entry of a later file replaces one with the same prefix. */
function merge(files: RegistriesConf[]): RegistriesConf {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const f of files) for (const r of f.registries) byPrefix.set(r.prefix, r);
  return { registries: [...byPrefix.values()] };
}

let cached: { file: string; conf: RegistriesConf } | undefined;

/** The configuration in force: the file and its registries.conf.d drop-ins (in name order). */
export function registriesConf(file = registriesConfPath()): RegistriesConf {
  if (cached?.file === file) return cached.conf;
  const parts: RegistriesConf[] = [];
  const read = (f: string) => {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw invalidArgument(`cannot read ${f}: ${(e as Error).message}`);
    }
    parts.push(parseRegistriesConf(text, f));
  };
  read(file);
  const dropIns = path.join(path.dirname(file), 'registries.conf.d');
  let names: string[] = [];
  try {
    names = fs
      .readdirSync(dropIns)
      .filter((n) => n.endsWith('.conf'))
      .sort();
  } catch {
    /* none */
  }
  for (const n of names) read(path.join(dropIns, n));
  const conf = parts.length ? merge(parts) : EMPTY;
  cached = { file, conf };
  return conf;
}

/**
 * How well `prefix` matches the repository `name` (domain/path): its length
 * for a match at a path separator, or -1. A wildcard *.example.com matches
 * any host ending in .example.com.
 */
export function prefixMatch(prefix: string, name: string): number {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0].replace(/:\d+$/, '');
    return host.endsWith(prefix.slice(1)) ? prefix.length : -1;
  }
  if (name === prefix) return prefix.length;
  if (name.startsWith(prefix) && name[prefix.length] === '/') return prefix.length;
  return -1;
}

/** The [[registry]] whose prefix matches `name` the longest, if any. */
export function findRegistry(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLen = -1;
  for (const r of conf.registries) {
    const n = prefixMatch(r.prefix, name);
    if (n > bestLen) {
      best = r;
      bestLen = n;
    }
  }
  return best;
}

/**
 * `name` with the entry's prefix replaced by `location`; for a wildcard
 * prefix the host is replaced (and an empty location keeps the name).
 */
export function rewrite(entry: RegistryEntry, location: string, name: string): string {
  if (!location) return name;
  if (entry.prefix.startsWith('*.')) return location + name.slice(name.split('/')[0].length);
  return location + name.slice(entry.prefix.length);
}
