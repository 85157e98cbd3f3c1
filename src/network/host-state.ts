// A picture of the host's network state for tests: iptables-save (every table,
// IPv4 and IPv6), the links, and host-local's reservations. Take one before and
// one after; the difference is what was left behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cniChainName } from './iptables';

export interface HostState {
  /** iptables-save lines, comments and counters removed */
  iptables: string[];
  ip6tables: string[];
  /** "name type master" per link (the index, flags and state left out) */
  links: string[];
  /** "network/ip: container-id ifname" per reservation (lock and last_reserved_ip left out) */
  ipam: string[];
}

function save(cmd: string): string[] {
  const r = spawnSync(cmd, [], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}

function links(): string[] {
  const r = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' });
  const list = JSON.parse(r.stdout || '[]') as Array<{ ifname: string; link_type?: string; master?: string }>;
  return list.map((l) => `${l.ifname} ${l.link_type ?? ''} ${l.master ?? ''}`.trim()).sort();
}

function ipam(dir: string | undefined): string[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const net of fs.readdirSync(dir).sort()) {
    const netDir = path.join(dir, net);
    if (!fs.statSync(netDir).isDirectory()) continue;
    for (const f of fs.readdirSync(netDir).sort()) {
      if (f === 'lock' || f.startsWith('last_reserved_ip.')) continue;
      const content = fs.readFileSync(path.join(netDir, f), 'utf8').replace(/\r\n/g, ' ');
      out.push(`${net}/${f}: ${content}`);
    }
  }
  return out;
}

/**
 * A link's identity: its name plus its interface index, which the kernel never
 * hands out twice in a namespace (until it wraps). Bridge names such as
 * "stowage0" are reused by the next store that creates a default network, so
 * "is this bridge gone" must compare identities, not names.
 */
export interface LinkId {
  name: string;
  ifindex: number;
}

export function linkId(name: string): LinkId | undefined {
  try {
    return { name, ifindex: Number(fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')) };
  } catch {
    // no such link (gone already)
    return undefined;
  }
}

/** True when that very link no longer exists (another of the same name may). */
export function linkGone(id: LinkId): boolean {
  return linkId(id.name)?.ifindex !== id.ifindex;
}

/** Snapshot of the host; ipamDir is a NetworkManager's `ipamDir`. */
export function snapshotHostState(ipamDir?: string): HostState {
  return { iptables: save('iptables-save'), ip6tables: save('ip6tables-save'), links: links(), ipam: ipam(ipamDir) };
}

const WORD = /[A-Za-z0-9_]/;

/**
 * Does line contain token as a word of its own ("stowage1" is not in "stowage10")?
 * A token ending in '-' or '.' is a prefix ("stwt3-", "10.66.") and only needs its start on a boundary.
 */
export function hasWord(line: string, token: string): boolean {
  if (token === '') return false;
  const prefix = token.endsWith('-') || token.endsWith('.');
  for (let i = line.indexOf(token); i >= 0; i = line.indexOf(token, i + 1)) {
    const before = i === 0 ? '' : line[i - 1];
    const after = line[i + token.length] ?? '';
    if (WORD.test(before) || (token[0] >= '0' && token[0] <= '9' && before === '.')) continue;
    if (prefix || !WORD.test(after)) return true;
  }
  return false;
}

/** The tokens naming what a test slot's stores make: its bridges and chains. */
export function slotTokens(tag: string): string[] {
  return [`stw${tag}-`, `STW${tag.toUpperCase()}-`];
}

/**
 * Keeps only what concerns the given tokens (network IDs, bridge names, container
 * IDs, subnet prefixes such as "10.66."). Other programs (or other tests) may change
 * unrelated rules meanwhile; this is what stowage itself could have left behind.
 * Chain names the plugins derive from (network, container) pairs are added.
 */
export function relevantTo(
  state: HostState,
  tokens: { networkIds: string[]; containerIds: string[]; other?: string[] },
): HostState {
  const words = [...tokens.networkIds, ...tokens.containerIds, ...(tokens.other ?? [])];
  for (const n of tokens.networkIds) {
    for (const c of tokens.containerIds)
      words.push(cniChainName(n, c), cniChainName(n, c, 'DN-'), cniChainName(n, c, 'SN-'));
  }
  const keep = (l: string) => words.some((w) => hasWord(l, w));
  return {
    iptables: state.iptables.filter(keep),
    ip6tables: state.ip6tables.filter(keep),
    links: state.links.filter(keep),
    ipam: state.ipam.filter(keep),
  };
}

/** Lines added and removed between two snapshots, "+ table: line" / "- table: line". */
export function diffHostState(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  for (const key of ['iptables', 'ip6tables', 'links', 'ipam'] as const) {
    const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const a = count(before[key]);
    const b = count(after[key]);
    for (const [line, n] of b) for (let i = a.get(line) ?? 0; i < n; i++) out.push(`+ ${key}: ${line}`);
    for (const [line, n] of a) for (let i = b.get(line) ?? 0; i < n; i++) out.push(`- ${key}: ${line}`);
  }
  return out;
}
