// IPv4 subnets: parsing, overlap, picking a free one from a pool.
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { invalidArgument } from '../errdefs';
import { inNetworkHost } from './host-netns';

export interface Cidr {
  /** network address as an unsigned 32-bit number */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  if (!net.isIPv4(ip)) throw invalidArgument(`invalid IPv4 address: ${ip}`);
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

const maskSize = (prefix: number) => 2 ** (32 - prefix);

/**
 * "10.66.0.0/16" -> {base, prefix}. A host address inside the subnet is moved to
 * the network address ("10.66.0.5/16" is 10.66.0.0/16). Errors use Go's ParseCIDR
 * wording ("invalid CIDR address: X").
 */
export function parseCidr(s: string): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s);
  if (!m || !net.isIPv4(m[1]) || Number(m[2]) > 32) throw invalidArgument(`invalid CIDR address: ${s}`);
  const prefix = Number(m[2]);
  const size = maskSize(prefix);
  return { base: Math.floor(ipToInt(m[1]) / size) * size, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function contains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + maskSize(c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + maskSize(a.prefix);
  const bEnd = b.base + maskSize(b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

/** The first host address: the conventional gateway (10.66.0.0/16 -> 10.66.0.1). */
export function firstHost(c: Cidr): string {
  return intToIp(c.base + 1);
}

/** The last address before the broadcast address. */
export function lastHost(c: Cidr): string {
  return intToIp(c.base + maskSize(c.prefix) - 2);
}

/**
 * IPv4 destinations the host routes somewhere (all tables but local), as CIDRs:
 * the subnets a new bridge network must not overlap (Docker's CheckRouteOverlaps).
 * The default route is not a conflict.
 */
export function hostRoutes(): Cidr[] {
  const r = spawnSync(...inNetworkHost('ip', ['-4', '-j', 'route', 'show', 'table', 'all']), { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const out: Cidr[] = [];
  for (const route of JSON.parse(r.stdout || '[]') as Array<{ dst?: string; table?: string; type?: string }>) {
    if (!route.dst || route.dst === 'default' || route.table === 'local') continue;
    if (route.type && !['unicast', 'blackhole', 'unreachable', 'prohibit'].includes(route.type)) continue;
    const dst = route.dst.includes('/') ? route.dst : `${route.dst}/32`;
    try {
      out.push(parseCidr(dst));
    } catch {
      /* not IPv4 */
    }
  }
  return out;
}

/** Splits `pool` into subnets of `prefix` and returns the first that overlaps none of `taken`. */
export function pickSubnet(pools: readonly string[], prefix: number, taken: readonly Cidr[]): Cidr | undefined {
  for (const p of pools) {
    const pool = parseCidr(p);
    const size = maskSize(prefix);
    for (let base = pool.base; base < pool.base + maskSize(pool.prefix); base += size) {
      const c = { base, prefix };
      if (!taken.some((t) => overlaps(t, c))) return c;
    }
  }
  return undefined;
}
