// IPv6 CIDR arithmetic for a network's IPv6 pool (`network create --ipv6
// --subnet fd00::/64`): parsing, containment, overlap, the first and last host.
import net from 'node:net';
import { invalidArgument } from '../errdefs';

export interface Cidr6 {
  /** network address as a 128-bit number */
  base: bigint;
  prefix: number;
}

export function ip6ToBigInt(ip: string): bigint {
  if (!net.isIPv6(ip)) throw invalidArgument(`invalid IPv6 address: ${ip}`);
  let s = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952's form, as Go's net.IP.String() prints it: the longest run of zero groups (two or more) as "::". */
export function bigIntToIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const size = (prefix: number) => 1n << BigInt(128 - prefix);

/** "2001:db8::1/64" -> {base: 2001:db8::, prefix: 64}; Go's ParseCIDR wording on bad input. */
export function parseCidr6(s: string): Cidr6 {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(s);
  if (!m || !net.isIPv6(m[1]) || Number(m[2]) > 128) throw invalidArgument(`invalid CIDR address: ${s}`);
  const prefix = Number(m[2]);
  return { base: (ip6ToBigInt(m[1]) / size(prefix)) * size(prefix), prefix };
}

export function formatCidr6(c: Cidr6): string {
  return `${bigIntToIp6(c.base)}/${c.prefix}`;
}

export function contains6(c: Cidr6, ip: string): boolean {
  const n = ip6ToBigInt(ip);
  return n >= c.base && n < c.base + size(c.prefix);
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix);
}

/** The first address after the network address: Docker's default IPv6 gateway. */
export function firstHost6(c: Cidr6): string {
  return bigIntToIp6(c.base + 1n);
}

/** The last address (IPv6 has no broadcast address). */
export function lastHost6(c: Cidr6): string {
  return bigIntToIp6(c.base + size(c.prefix) - 1n);
}
