// The registry part of Docker's daemon.json, read from stowage's own copy:
// `insecure-registries` (host[:port] names or CIDRs) and `registry-mirrors`
// (URLs tried before Docker Hub). The file is /etc/stowage/daemon.json, or the
// one $STOWAGE_DAEMON_JSON names; a missing file means no such settings.
import fs from 'node:fs';
import net from 'node:net';
import { invalidArgument } from '../errdefs';

export const DEFAULT_DAEMON_JSON = '/etc/stowage/daemon.json';

export const daemonJsonPath = (): string => process.env.STOWAGE_DAEMON_JSON || DEFAULT_DAEMON_JSON;

export interface Cidr {
  /** the network's address, as 16 bytes (IPv4 mapped) */
  base: Buffer;
  /** prefix length within those 16 bytes */
  bits: number;
}

export interface DaemonRegistryConfig {
  /** insecure registries named by host[:port] */
  insecureHosts: Set<string>;
  /** insecure networks (a registry whose address falls in one is insecure) */
  insecureCidrs: Cidr[];
  /** mirrors of docker.io, as normalized URLs (scheme://host[:port]) */
  mirrors: string[];
}

/** An address as 16 bytes (IPv4 as ::ffff:a.b.c.d), or undefined when it is none. */
export function ipBytes(addr: string): Buffer | undefined {
  const a = addr.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(a)) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a.split('.').map(Number)]);
  if (!net.isIPv6(a)) return undefined;
  // expand "::" and a trailing dotted quad
  let s = a;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const b = quad[1].split('.').map(Number);
    s = s.slice(0, -quad[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function parseCidr(s: string): Cidr | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const base = ipBytes(m[1]);
  const bits = Number(m[2]);
  if (!base) return undefined;
  const v4 = net.isIPv4(m[1]);
  if (bits > (v4 ? 32 : 128)) return undefined;
  return { base, bits: v4 ? bits + 96 : bits };
}

export function cidrContains(c: Cidr, addr: Buffer): boolean {
  for (let bit = 0; bit < c.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((c.base[byte] & mask) !== (addr[byte] & mask)) return false;
  }
  return true;
}

/** 127.0.0.0/8 and ::1: what "loopback" means for the plain-HTTP rule. */
export function isLoopbackAddress(addr: string): boolean {
  const b = ipBytes(addr);
  if (!b) return false;
  if (cidrContains(LOOPBACK_V4, b)) return true;
  return b.equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
}
// eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a constant CIDR that parses
const LOOPBACK_V4 = parseCidr('127.0.0.0/8')!;

/** A mirror URL as Docker's ValidateMirror accepts it: http(s), a host, no path, query or credentials. */
export function normalizeMirror(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // any URL parse failure means the same thing: the mirror is not a URI
    throw invalidArgument(`invalid mirror: "${raw}" is not a valid URI`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw invalidArgument(`invalid mirror: unsupported scheme "${u.protocol.slice(0, -1)}" in "${raw}"`);
  if (u.username || u.password) {
    u.password = 'xxxxx'; // not echoed
    throw invalidArgument(`invalid mirror: username/password not allowed in URI "${u.href}"`);
  }
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash)
    throw invalidArgument(`invalid mirror: path, query, or fragment at end of the URI "${raw}"`);
  return `${u.protocol}//${u.host}`;
}

function stringList(v: unknown, key: string, file: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidArgument(`${file}: "${key}" must be a list of strings`);
  return v as string[];
}

export function parseDaemonConfig(text: string, file: string): DaemonRegistryConfig {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw invalidArgument(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw invalidArgument(`${file} must hold a JSON object`);
  const cfg: DaemonRegistryConfig = { insecureHosts: new Set(), insecureCidrs: [], mirrors: [] };
  for (const entry of stringList(json['insecure-registries'], 'insecure-registries', file)) {
    const bare = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (bare.includes('/') && !/\/\d{1,3}$/.test(bare))
      throw invalidArgument(`${file}: insecure registry ${entry} is not a host[:port] or a CIDR`);
    const cidr = /\/\d{1,3}$/.test(bare) ? parseCidr(bare) : undefined;
    if (/\/\d{1,3}$/.test(bare) && !cidr)
      throw invalidArgument(`${file}: insecure registry ${entry} is not a valid CIDR`);
    if (cidr) cfg.insecureCidrs.push(cidr);
    else cfg.insecureHosts.add(bare.toLowerCase());
  }
  cfg.mirrors = stringList(json['registry-mirrors'], 'registry-mirrors', file).map(normalizeMirror);
  return cfg;
}

let cached: { file: string; cfg: DaemonRegistryConfig } | undefined;

/** The settings of the daemon.json in force (read once per process and file). */
export function daemonRegistryConfig(): DaemonRegistryConfig {
  const file = daemonJsonPath();
  if (cached?.file === file) return cached.cfg;
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw invalidArgument(`cannot read ${file}: ${(e as Error).message}`);
  }
  const cfg =
    text === undefined
      ? { insecureHosts: new Set<string>(), insecureCidrs: [], mirrors: [] }
      : parseDaemonConfig(text, file);
  cached = { file, cfg };
  return cfg;
}
