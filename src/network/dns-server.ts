// A user-defined network's DNS resolver: the process `stowage system dns NETWORK-ID`
// runs, detached, as podman's aardvark-dns (Docker's embedded DNS runs inside the
// daemon). It listens on the network's gateway address(es), port 53, UDP and TCP,
// in the host's network namespace, and answers from the store at each query
// (dns-answers.ts: names, aliases, short IDs and links of the asking container's
// networks, found by the query's source address); other names go to the asking
// container's --dns servers, else the host's, else SERVFAIL.
//
// It exits by itself when its network or its store is gone, or after IDLE_MS with
// no container on the network; `network rm`/`prune` stop it at once (dns-resolvers.ts).
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { parseLink } from '../container/links';
import { StowageError } from '../errdefs';
import { ContainerTable } from '../metadata/containers';
import { StateDb } from '../metadata/network-state';
import { answer, nameTable, refused, servfail, type DnsEndpoint, type DnsLink } from './dns-answers';
import { resolverDir, resolverOf, resolverPidFile } from './dns-resolvers';
import { nameservers } from './etc-files';
import { JsonNetworkStore } from './json-store';
import type { NetworkConfig } from './types';
import { selfId } from '../util/proc';

export interface ServeOptions {
  root: string;
  runroot: string;
  networkId: string;
  /** the host's servers (`IP` or `IP:PORT`, `[IP6]:PORT`); default: /etc/resolv.conf's, read per query */
  upstream?: string[];
  /** exits after this long with no container on the network */
  idleMs?: number;
  /** where the "ready"/"busy" line goes (the starter's pipe) */
  say?: (line: string) => void;
}

const FORWARD_TIMEOUT_MS = 2000;
const CHECK_MS = 1000;

interface Upstream {
  host: string;
  port: number;
}

/** "IP", "IP:PORT" or "[IP6]:PORT". */
export function parseUpstream(s: string): Upstream {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(s);
  if (v6) return { host: v6[1], port: Number(v6[2]) };
  const v4 = /^([\d.]+):(\d+)$/.exec(s);
  if (v4) return { host: v4[1], port: Number(v4[2]) };
  return { host: s, port: 53 };
}

interface Asker {
  endpoints: DnsEndpoint[];
  networks: string[];
  links: DnsLink[];
  dns: string[];
  /** every network it is on is internal: nothing is forwarded */
  internalOnly: boolean;
  /** its resolv.conf's options (--dns-option, else the host's) set ndots */
  ndotsSet: boolean;
}

/** Reads what a query needs from the store: the asking container's networks, peers and links. */
class StoreView {
  private readonly state: StateDb;
  private readonly containers: ContainerTable;
  private readonly networks: JsonNetworkStore;

  constructor(private readonly opts: ServeOptions) {
    this.state = new StateDb(path.join(opts.runroot, 'network'));
    this.containers = new ContainerTable(
      new Database(path.join(opts.root, 'stowage.db'), { readonly: true, fileMustExist: true, timeout: 5000 }),
    );
    this.networks = new JsonNetworkStore(path.join(opts.root, 'networks'));
  }

  network(): NetworkConfig | undefined {
    return this.networks.list().find((n) => n.id === this.opts.networkId);
  }

  attachedCount(): number {
    return this.state.count(this.opts.networkId);
  }

  private endpointsOn(network: string): DnsEndpoint[] {
    return this.state.completeRowsOn(network).map((r) => {
      const ips = ((r.result ? JSON.parse(r.result) : {}) as { ips?: Array<{ address: string }> }).ips ?? [];
      const addr = (v6: boolean) => ips.find((i) => i.address.includes(':') === v6)?.address.split('/')[0];
      return {
        network: r.network_name,
        containerId: r.container_id,
        name: r.name,
        aliases: JSON.parse(r.aliases) as string[],
        ip4: addr(false),
        ip6: addr(true),
      };
    });
  }

  /** The container on this network holding `address`, and what it sees. */
  asker(address: string): Asker | undefined {
    const bare = address.replace(/^::ffff:/, '');
    const self = this.endpointsOn(this.opts.networkId).find((e) => e.ip4 === bare || e.ip6 === bare);
    if (!self) return undefined;
    const rows = this.state.completeRowsOf(self.containerId);
    const names = rows.map((r) => r.network_name);
    const endpoints = names.flatMap((n) => this.endpointsOn(n));
    const row = this.containers.get(self.containerId);
    const record = row
      ? (JSON.parse(row.config) as {
          networks?: Record<string, { links?: string[] }>;
          hostConfig?: { Dns?: string[]; DnsOptions?: string[] };
        })
      : {};
    const links = Object.values(record.networks ?? {}).flatMap((a) =>
      (a.links ?? []).flatMap((l) => {
        try {
          const { name, alias } = parseLink(l);
          return [{ target: name, alias }];
        } catch (e) {
          if (!(e instanceof StowageError)) throw e;
          return []; // a link the engine refused would never have been stored: nothing to name
        }
      }),
    );
    const all = this.networks.list();
    const internalOnly = rows.every((r) => all.find((n) => n.id === r.network_id)?.internal);
    const options = record.hostConfig?.DnsOptions?.length ? record.hostConfig.DnsOptions : hostOptions();
    return {
      endpoints,
      networks: names,
      links,
      dns: record.hostConfig?.Dns ?? [],
      internalOnly,
      ndotsSet: options.some((o) => o.includes('ndots')),
    };
  }
}

function hostResolvConf(): string {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return ''; // no resolv.conf: no server to forward to, no option
  }
}

/** The host's nameservers, from its resolv.conf (loopback ones too: the resolver runs in the host's namespace). */
function hostServers(): Upstream[] {
  return nameservers(hostResolvConf()).map((h) => ({ host: h, port: 53 }));
}

/** The host's resolv.conf options (the last `options` line's, as resolvconf.GetOptions). */
function hostOptions(): string[] {
  const lines = hostResolvConf()
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
    .filter((f) => f[0] === 'options');
  return lines.at(-1)?.slice(1) ?? [];
}

/** Sends the query to each server in turn, UDP; the first answer wins. */
async function forwardUdp(query: Buffer, servers: readonly Upstream[]): Promise<Buffer | undefined> {
  for (const s of servers) {
    const got = await new Promise<Buffer | undefined>((resolve) => {
      const sock = dgram.createSocket(s.host.includes(':') ? 'udp6' : 'udp4');
      const done = (b?: Buffer) => {
        clearTimeout(timer);
        sock.close();
        resolve(b);
      };
      const timer = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
      sock.on('error', () => done());
      sock.on('message', (msg) => done(msg));
      sock.send(query, s.port, s.host);
    });
    if (got) return got;
  }
  return undefined;
}

export class NetworkResolver {
  private readonly view: StoreView;
  private readonly udp: dgram.Socket[] = [];
  private readonly tcp: net.Server[] = [];
  private idleSince = Date.now();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly opts: ServeOptions,
    private readonly network: NetworkConfig,
  ) {
    this.view = new StoreView(opts);
  }

  /** Answers one query (wire format in, wire format out), from the address `from`. */
  async handle(bytes: Buffer, from: string): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(bytes);
    } catch {
      return undefined; // not DNS: dropped, as any resolver does
    }
    if (query.type !== 'query') return undefined;
    const asker = this.view.asker(from);
    if (!asker) return dnsPacket.encode(refused(query));
    const out = answer(query, nameTable(asker.endpoints, asker.networks, asker.links), { ndotsSet: asker.ndotsSet });
    if (out !== 'forward') return dnsPacket.encode(out);
    if (asker.internalOnly) return dnsPacket.encode(servfail(query));
    const servers = asker.dns.length
      ? asker.dns.map(parseUpstream)
      : this.opts.upstream
        ? this.opts.upstream.map(parseUpstream)
        : hostServers();
    return (await forwardUdp(bytes, servers)) ?? dnsPacket.encode(servfail(query));
  }

  /** Binds the gateway's port 53; false when another process holds it. */
  async listen(): Promise<boolean> {
    const addrs = [this.network.gateway, this.network.enableIPv6 ? this.network.ipv6?.gateway : undefined];
    for (const [i, addr] of addrs.entries()) {
      if (!addr) continue;
      try {
        await this.bind(addr);
      } catch (e) {
        // the IPv6 gateway may still be tentative (DAD) or absent: IPv4 alone serves
        if (i === 0) {
          this.unbind();
          if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
          throw e;
        }
      }
    }
    return true;
  }

  private async bind(addr: string): Promise<void> {
    const udp = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
    await bound(udp, (done) => udp.bind(53, addr, done));
    this.udp.push(udp);
    udp.on('error', () => {}); // a send to a container that left: nothing to do
    udp.on('message', (msg, rinfo) => {
      void this.handle(msg, rinfo.address).then(
        (resp) => resp && !this.closed && udp.send(resp, rinfo.port, rinfo.address),
        () => {},
      );
    });
    const tcp = net.createServer((sock) => this.serveTcp(sock));
    tcp.on('error', () => {}); // after listening: a client's trouble, not the server's
    await bound(tcp, (done) => tcp.listen(53, addr, done));
    this.tcp.push(tcp);
  }

  /** DNS over TCP: two-byte length, message; as many as the client sends. */
  private serveTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.handle(Buffer.from(msg), sock.remoteAddress ?? '').then((resp) => {
          if (!resp || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(resp.length);
          sock.write(Buffer.concat([len, resp]));
        });
      }
    });
  }

  /** Exits when the network or the store is gone, or after `idleMs` with nobody attached. */
  watch(onDone: () => void): void {
    const idleMs = this.opts.idleMs ?? 60_000;
    this.timer = setInterval(() => {
      let stop: boolean;
      try {
        const n = fs.existsSync(path.join(this.opts.root, 'stowage.db')) ? this.view.network() : undefined;
        stop = !n || n.gateway !== this.network.gateway || !this.ownsPidFile();
        if (!stop && this.view.attachedCount() > 0) this.idleSince = Date.now();
        stop ||= Date.now() - this.idleSince > idleMs;
      } catch {
        stop = true; // the store can no longer be read (removed under us): nothing left to serve
      }
      if (stop) onDone();
    }, CHECK_MS);
  }

  /** The pid file still names this process (the run root was not removed, no other took over). */
  private ownsPidFile(): boolean {
    try {
      return fs
        .readFileSync(resolverPidFile(this.opts.runroot, this.opts.networkId), 'utf8')
        .startsWith(`${process.pid} `);
    } catch {
      return false; // gone with the run root
    }
  }

  private unbind(): void {
    for (const s of this.udp.splice(0)) s.close();
    for (const s of this.tcp.splice(0)) s.close();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.unbind();
  }
}

/** The resolver process: serves until its network, its store or its containers are gone. */
export async function serveNetworkDns(opts: ServeOptions): Promise<void> {
  const say = opts.say ?? (() => {});
  const network = new JsonNetworkStore(path.join(opts.root, 'networks')).list().find((n) => n.id === opts.networkId);
  // the store (or its run root) removed meanwhile: nothing to serve, and nothing to recreate under it
  const stateDb = path.join(opts.runroot, 'network', 'state.db');
  if (!network?.gateway || !fs.existsSync(path.join(opts.root, 'stowage.db')) || !fs.existsSync(stateDb)) {
    say('gone');
    return;
  }
  const resolver = new NetworkResolver(opts, network);
  // a resolver of a network just removed may still hold the address for a moment: retry a little
  let bound = false;
  for (let i = 0; i < 20 && !(bound = await resolver.listen()); i++) {
    if (resolverOf(opts.runroot, opts.networkId)) break; // the network's own resolver: it serves
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!bound) {
    say('busy');
    return;
  }
  const me = selfId();
  const pidFile = resolverPidFile(opts.runroot, opts.networkId);
  fs.mkdirSync(resolverDir(opts.runroot), { recursive: true, mode: 0o700 });
  fs.writeFileSync(pidFile, `${me.pid} ${me.start}\n`);
  say('ready');
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    resolver.watch(done);
  });
  resolver.close();
  try {
    if (fs.readFileSync(pidFile, 'utf8').startsWith(`${me.pid} `)) fs.rmSync(pidFile, { force: true });
  } catch {
    // the run root went with the store: no pid file left to remove
  }
}

/**
 * The resolver process as stowage starts it (`system dns`, dist/stowage-dns.js):
 * STOWAGE_DNS_UPSTREAM (IP[:PORT],...) stands in for the host's servers (tests),
 * STOWAGE_DNS_IDLE_MS for the idle time; "ready"/"busy" goes to fd 1, the starter's pipe.
 */
export function serveResolverProcess(root: string, runroot: string, networkId: string): Promise<void> {
  const upstream = process.env.STOWAGE_DNS_UPSTREAM;
  const idle = Number(process.env.STOWAGE_DNS_IDLE_MS);
  return serveNetworkDns({
    root,
    runroot,
    networkId,
    ...(upstream ? { upstream: upstream.split(',').filter(Boolean) } : {}),
    ...(idle > 0 ? { idleMs: idle } : {}),
    say: (line) => {
      try {
        fs.writeSync(1, `${line}\n`);
      } catch {
        // the starter is gone (it reads one line, then closes the pipe): nobody to tell
      }
    },
  });
}

/** Resolves when `start`'s callback runs (bound, listening); rejects with an error that comes first (EADDRINUSE). */
function bound(s: dgram.Socket | net.Server, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    start(() => {
      s.off('error', reject);
      resolve();
    });
  });
}
