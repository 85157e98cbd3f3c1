// /etc/hosts and /etc/resolv.conf for a container, as Docker 20.10 writes them
// (libnetwork etchosts.Build + sandbox.updateHostsFile, resolvconf.FilterResolvDNS).
//
// Docker resolves container names on user-defined networks with an embedded DNS
// server at 127.0.0.11; stowage runs a resolver per network on its gateway
// (dns-server.ts, resolverResolvConf below) and also writes the peers into
// /etc/hosts, as it did before it had one (rootless containers have no resolver):
// one line per peer, "IP<TAB>name alias...".
// On the default bridge network Docker resolves no names; pass no peers there.

export interface HostsSelf {
  /** the container's address on each network it is attached to (none: --network none/host) */
  ip?: string | string[];
  hostname: string;
  domainname?: string;
  /** names this container answers to besides its hostname (user-defined networks: name + aliases) */
  name?: string;
  aliases?: string[];
}

export interface HostsPeer {
  ip: string;
  name: string;
  aliases?: string[];
}

export interface HostRecord {
  ip: string;
  hosts: string;
}

const DEFAULT_RECORDS: HostRecord[] = [
  { ip: '127.0.0.1', hosts: 'localhost' },
  { ip: '::1', hosts: 'localhost ip6-localhost ip6-loopback' },
  { ip: 'fe00::0', hosts: 'ip6-localnet' },
  { ip: 'ff00::0', hosts: 'ip6-mcastprefix' },
  { ip: 'ff02::1', hosts: 'ip6-allnodes' },
  { ip: 'ff02::2', hosts: 'ip6-allrouters' },
];

const record = (r: HostRecord) => `${r.ip}\t${r.hosts}\n`;

/** "host.example.com host" for an FQDN, the bare name otherwise (Docker's main record). */
function mainHosts(hostname: string, domainname?: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return dot < 0 ? fqdn : `${fqdn} ${fqdn.slice(0, dot)}`;
}

function uniqueNames(names: Array<string | undefined>, except: Set<string>): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (!n || except.has(n) || out.includes(n)) continue;
    out.push(n);
  }
  return out;
}

/**
 * The container's /etc/hosts: Docker's six default records, `--add-host` records,
 * "IP<TAB>hostname" for each of the container's addresses, then (stowage's stand-in
 * for the embedded DNS) the container's own name and aliases and one line per peer.
 */
export function hostsFile(
  self: HostsSelf,
  peers: readonly HostsPeer[] = [],
  extraHosts: readonly HostRecord[] = [],
): string {
  let out = '';
  for (const r of DEFAULT_RECORDS) out += record(r);
  for (const r of extraHosts) out += record(r);
  const ips = self.ip === undefined ? [] : Array.isArray(self.ip) ? self.ip : [self.ip];
  const main = mainHosts(self.hostname, self.domainname);
  for (const ip of ips) out += record({ ip, hosts: main });
  const own = uniqueNames([self.name, ...(self.aliases ?? [])], new Set(main.split(' ')));
  if (own.length > 0) for (const ip of ips) out += record({ ip, hosts: own.join(' ') });
  for (const p of peers) {
    const names = uniqueNames([p.name, ...(p.aliases ?? [])], new Set());
    if (names.length > 0) out += record({ ip: p.ip, hosts: names.join(' ') });
  }
  return out;
}

// --- resolv.conf -------------------------------------------------------------

const IPV4_BLOCK = '(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)';
const IPV4 = `(${IPV4_BLOCK}\\.){3}${IPV4_BLOCK}`;
const IPV6 = '([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\\w+)?';
const IP_LOCALHOST = '((127\\.([0-9]{1,3}\\.){2}[0-9]{1,3})|(::1)$)';

const localhostNS = new RegExp(`^nameserver\\s+${IP_LOCALHOST}\\s*\\n*`, 'gm');
const ipv6NS = new RegExp(`^nameserver\\s+${IPV6}\\s*\\n*`, 'gm');
const anyNS = new RegExp(`^\\s*nameserver\\s*((${IPV4})|(${IPV6}))\\s*$`);

const DEFAULT_IPV4_DNS = ['nameserver 8.8.8.8', 'nameserver 8.8.4.4'];
const DEFAULT_IPV6_DNS = ['nameserver 2001:4860:4860::8888', 'nameserver 2001:4860:4860::8844'];

/** resolvconf.GetNameservers(content, types.IP): nameserver addresses, comments stripped. */
export function nameservers(content: string): string[] {
  const out: string[] = [];
  for (let line of content.split('\n')) {
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const m = anyNS.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/** resolvconf.FilterResolvDNS: drop localhost nameservers (and IPv6 ones unless enabled); fall back to Google's. */
export function filterResolvDNS(content: string, ipv6Enabled: boolean): string {
  let cleaned = content.replace(localhostNS, '');
  if (!ipv6Enabled) cleaned = cleaned.replace(ipv6NS, '');
  if (nameservers(cleaned).length === 0) {
    const dns = ipv6Enabled ? [...DEFAULT_IPV4_DNS, ...DEFAULT_IPV6_DNS] : DEFAULT_IPV4_DNS;
    cleaned += `\n${dns.join('\n')}`;
  }
  return cleaned;
}

/**
 * The container's /etc/resolv.conf from the host's (pass '' when the host has none):
 * what Docker 20.10 ends with on an IPv4-only network. The sandbox first filters with
 * IPv6 allowed, then again for the network without IPv6, so IPv6 nameservers go and a
 * host with only local resolvers (127.0.0.53, say) gives 8.8.8.8 and 8.8.4.4.
 */
export function resolvConf(hostResolvConf: string): string {
  return filterResolvDNS(filterResolvDNS(hostResolvConf, true), false);
}

/** The last `search` or `options` line's values (resolvconf.GetSearchDomains / GetOptions). */
function lastLineValues(content: string, key: 'search' | 'options'): string[] {
  let out: string[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const fields = line.split(/\s+/);
    if (fields[0] === key) out = fields.slice(1);
  }
  return out;
}

/**
 * The container's /etc/resolv.conf with --dns, --dns-search or --dns-option
 * given: the host's servers, search domains and options, each replaced by the
 * given ones if any, written as resolvconf.Build writes them.
 */
export function customResolvConf(
  hostResolvConf: string,
  dns: readonly string[],
  search: readonly string[],
  options: readonly string[],
): string {
  const servers = dns.length ? dns : nameservers(hostResolvConf);
  const domains = search.length ? search : lastLineValues(hostResolvConf, 'search');
  const opts = options.length ? options : lastLineValues(hostResolvConf, 'options');
  let out = '';
  if (domains.length && domains.join(' ').trim() !== '.') out += `search ${domains.join(' ')}\n`;
  for (const ns of servers) out += `nameserver ${ns}\n`;
  if (opts.length && opts.join(' ').trim() !== '') out += `options ${opts.join(' ')}\n`;
  return out;
}

/**
 * The container's /etc/resolv.conf on a user-defined network, where the network's
 * resolver answers (Docker's embedded DNS): Docker 20.10's sandbox writes its own
 * server, the search domains and options (given, else the host's) and `ndots:0`
 * unless an option sets ndots; the --dns servers are the resolver's to forward to.
 * Docker's server is 127.0.0.11; stowage's is the network's gateway.
 */
export function resolverResolvConf(
  hostResolvConf: string,
  nameserver: string,
  search: readonly string[],
  options: readonly string[],
): string {
  const opts = options.length ? [...options] : lastLineValues(hostResolvConf, 'options');
  if (!opts.some((o) => o.includes('ndots'))) opts.push('ndots:0');
  return customResolvConf(hostResolvConf, [nameserver], search, opts);
}

/** The host's resolv.conf as Docker picks it: systemd-resolved's real one behind a lone 127.0.0.53. */
export function hostResolvConfPath(read: (p: string) => string | undefined): string {
  const main = read('/etc/resolv.conf');
  if (main === undefined) return '/etc/resolv.conf';
  const ns = nameservers(main);
  return ns.length === 1 && ns[0] === '127.0.0.53' ? '/run/systemd/resolve/resolv.conf' : '/etc/resolv.conf';
}
