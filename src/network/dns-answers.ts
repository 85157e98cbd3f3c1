// What a network's resolver answers, as Docker's embedded DNS (libnetwork's
// resolver.go and sandbox.ResolveName/ResolveIP, 20.10): pure, a name table and a
// query in, a response (or "forward it") out. dns-server.ts does the sockets.
//
// The table is the asking container's view: every endpoint on the networks it is
// attached to, by name, network alias and short ID, each also as NAME.NETWORK, and
// the aliases of its own links (`--link upstream:bar` makes `bar` resolve for the
// container holding the link only). Names are case-insensitive.
import type { Packet, Question, Answer } from 'dns-packet';

/** One container on one network, as the resolver reads it from the attachments. */
export interface DnsEndpoint {
  network: string;
  containerId: string;
  name: string;
  aliases: readonly string[];
  ip4?: string;
  ip6?: string;
}

/** A link of the asking container: `alias` names the container `target` (name or ID prefix). */
export interface DnsLink {
  target: string;
  alias: string;
}

export interface NameTable {
  /** lower-case name → its endpoints' addresses */
  names: Map<string, { ip4: string[]; ip6: string[] }>;
  /** reverse name (x.x.x.x.in-addr.arpa / nibbles.ip6.arpa) → NAME.NETWORK */
  ptr: Map<string, string>;
}

/** Docker's TTL for the names it answers (respTTL). */
export const TTL = 600;

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const QR_RD = 0x0100;
const RA = 0x0080;

/** Reverse name of an IPv4 or IPv6 address, lower case. */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const full = [...h, ...Array<string>(ip.includes('::') ? 8 - h.length - t.length : 0).fill('0'), ...t];
  const hex = full.map((g) => g.padStart(4, '0')).join('');
  return `${Array.from(hex.toLowerCase(), (ch) => ch)
    .reverse()
    .join('.')}.ip6.arpa`;
}

/**
 * The asking container's view of the names: endpoints on its networks
 * (`networks`: the networks the asker is attached to) and its links.
 */
export function nameTable(
  endpoints: readonly DnsEndpoint[],
  networks: readonly string[],
  links: readonly DnsLink[],
): NameTable {
  const names: NameTable['names'] = new Map();
  const ptr: NameTable['ptr'] = new Map();
  const add = (name: string, e: DnsEndpoint) => {
    const key = name.toLowerCase();
    const entry = names.get(key) ?? { ip4: [], ip6: [] };
    if (e.ip4 && !entry.ip4.includes(e.ip4)) entry.ip4.push(e.ip4);
    if (e.ip6 && !entry.ip6.includes(e.ip6)) entry.ip6.push(e.ip6);
    names.set(key, entry);
  };
  const seen = endpoints.filter((e) => networks.includes(e.network));
  for (const e of seen) {
    const own = [...new Set([e.name, ...e.aliases, e.containerId.slice(0, 12)].filter(Boolean))];
    for (const n of own) {
      add(n, e);
      add(`${n}.${e.network}`, e);
    }
    for (const ip of [e.ip4, e.ip6])
      if (ip && !ptr.has(reverseName(ip))) ptr.set(reverseName(ip), `${e.name}.${e.network}`);
  }
  for (const l of links) {
    const target = seen.filter(
      (e) => e.name === l.target || (l.target.length >= 1 && e.containerId.startsWith(l.target)),
    );
    for (const e of target) {
      add(l.alias, e);
      add(`${l.alias}.${e.network}`, e);
    }
  }
  return { names, ptr };
}

/** A reply to `query` with `rcode` and `answers` (Docker's createRespMsg: RD copied, RA set). */
export function reply(query: Packet, rcode: number, answers: Answer[] = []): Packet {
  return {
    type: 'response',
    id: query.id ?? 0,
    flags: ((query.flags ?? 0) & QR_RD) | RA | rcode,
    questions: query.questions ?? [],
    answers,
  };
}

/**
 * The answer to a query, or 'forward' for a name the table does not hold (Docker
 * forwards everything it cannot answer to the external servers). A known name
 * asked for a type it has no address of gets an empty NOERROR, as Docker's
 * (an IPv4-only container's AAAA), not a forwarded query; so does a dotless name
 * nobody has when the container's resolv.conf sets ndots itself (`ndotsSet`).
 */
export function answer(query: Packet, table: NameTable, opts: { ndotsSet?: boolean } = {}): Packet | 'forward' {
  const q: Question | undefined = query.questions?.[0];
  if (!q || (query.questions?.length ?? 0) !== 1) return reply(query, RCODE.SERVFAIL);
  const name = q.name.replace(/\.$/, '').toLowerCase();
  if (q.type === 'A' || q.type === 'AAAA') {
    const entry = table.names.get(name);
    // an ndots of the container's own: a dotless name stays here, for the client to retry with its search domains
    if (!entry) return opts.ndotsSet && !name.includes('.') ? reply(query, RCODE.NOERROR) : 'forward';
    const ips = q.type === 'A' ? entry.ip4 : entry.ip6;
    return reply(
      query,
      RCODE.NOERROR,
      ips.map((data) => ({ type: q.type as 'A', name: q.name, class: 'IN', ttl: TTL, data })),
    );
  }
  if (q.type === 'PTR') {
    const host = table.ptr.get(name);
    if (!host) return 'forward';
    return reply(query, RCODE.NOERROR, [{ type: 'PTR', name: q.name, class: 'IN', ttl: TTL, data: host }]);
  }
  return 'forward';
}

/** SERVFAIL: no external server answered (or there is none, as on an internal network). */
export const servfail = (query: Packet): Packet => reply(query, RCODE.SERVFAIL);

/** REFUSED: a query from an address no container of the network holds. */
export const refused = (query: Packet): Packet => reply(query, RCODE.REFUSED);
