// Host ports for published container ports: which are taken, and picking free ones.
//
// The portmap plugin only writes DNAT rules; it reserves nothing (its own README:
// "last-write-wins"). Docker refuses a port that another container publishes
// (its port allocator) or that another program holds (docker-proxy cannot bind).
// stowage does both checks before the container starts:
//   - reserved: ports in stowage's attachment table, plus every DNAT rule already
//     in the nat table (other stowage roots, podman, dockerd);
//   - bound: a socket is bound to IP:PORT for the duration of the check.
// Errors carry Docker 20.10's inner wording (libnetwork portallocator / portmapper);
// the caller wraps them in "driver failed programming external connectivity ...".
import dgram from 'node:dgram';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { invalidArgument } from '../errdefs';
import { hostPortRange, splitProtoPort } from './ports';
import type { PortMap, Protocol } from './types';
import { inNetworkHost } from './host-netns';

/** A published port as programmed: hostIp '' means every address (0.0.0.0). */
export interface BoundPort {
  proto: Protocol;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

/** A port somebody already publishes. */
export interface ReservedPort {
  proto: string;
  hostIp: string;
  hostPort: number;
}

export interface PortRequest {
  proto: Protocol;
  containerPort: number;
  hostIp: string;
  start: number;
  end: number;
}

/** Inner error text of a refused port (Docker's), to be wrapped by the caller. */
export class PortError extends Error {}

const ANY = '0.0.0.0';
const shownIp = (ip: string) => ip || ANY;

/** Requests from bindings. Host IPs must be IPv4 ('' / 0.0.0.0 for all). */
export function portRequests(bindings: PortMap): PortRequest[] {
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const [proto, port] = splitProtoPort(key);
    const containerPort = Number(port);
    for (const b of list) {
      const hostIp = b.HostIp === ANY ? '' : (b.HostIp ?? '');
      if (hostIp !== '' && !net.isIPv4(hostIp)) {
        throw invalidArgument(
          `cannot publish ${key} on ${hostIp}: stowage publishes ports on IPv4 host addresses only`,
        );
      }
      const [start, end] = hostPortRange(b.HostPort ?? '');
      out.push({ proto: proto as Protocol, containerPort, hostIp, start, end });
    }
  }
  return out;
}

function clashes(
  a: { proto: string; hostIp: string; hostPort: number },
  b: { proto: string; hostIp: string; hostPort: number },
): boolean {
  return (
    a.proto === b.proto && a.hostPort === b.hostPort && (a.hostIp === '' || b.hostIp === '' || a.hostIp === b.hostIp)
  );
}

/** Go's error text for a failed listen (net.OpError): "listen tcp4 0.0.0.0:88: bind: address already in use". */
function listenError(proto: Protocol, ip: string, port: number, err: NodeJS.ErrnoException): string {
  const why: Record<string, string> = {
    EADDRINUSE: 'address already in use',
    EADDRNOTAVAIL: 'cannot assign requested address',
    EACCES: 'permission denied',
  };
  return `listen ${proto}4 ${shownIp(ip)}:${port}: bind: ${why[err.code ?? ''] ?? err.message}`;
}

type Holder = { close(): void; port: number };

/** Binds proto on ip:port (0 = any free port); resolves with the socket held open, or the error. */
function bindProbe(proto: Protocol, ip: string, port: number): Promise<Holder | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', (err) => {
        s.close();
        resolve(err);
      });
      s.bind({ address: shownIp(ip), port, exclusive: true }, () =>
        resolve({ close: () => s.close(), port: s.address().port }),
      );
      return;
    }
    const srv = net.createServer();
    srv.once('error', (err) => resolve(err));
    srv.listen({ host: shownIp(ip), port, exclusive: true, backlog: 1 }, () => {
      const addr = srv.address() as net.AddressInfo;
      resolve({ close: () => srv.close(), port: addr.port });
    });
  });
}

const isHolder = (x: Holder | NodeJS.ErrnoException): x is Holder =>
  typeof (x as Holder).close === 'function' && 'port' in x;

/**
 * Picks a host port for every request. Fixed ports must be free; a range gives
 * its first free port; no host port gives a free port from the kernel's
 * ephemeral range. SCTP cannot be probed from Node: only the reservations count.
 */
export async function allocatePorts(
  requests: readonly PortRequest[],
  reserved: readonly ReservedPort[],
): Promise<BoundPort[]> {
  const taken: ReservedPort[] = [...reserved];
  const held: Holder[] = [];
  const out: BoundPort[] = [];
  const probe = async (r: PortRequest, port: number): Promise<Holder | NodeJS.ErrnoException> => {
    if (r.proto === 'sctp') return { close() {}, port };
    return bindProbe(r.proto, r.hostIp, port);
  };
  try {
    for (const r of requests) {
      let chosen: number | undefined;
      if (r.start === 0 && r.end === 0) {
        for (let attempt = 0; attempt < 64 && chosen === undefined; attempt++) {
          const h = r.proto === 'sctp' ? randomEphemeral() : await bindProbe(r.proto, r.hostIp, 0);
          if (typeof h === 'number') {
            if (!taken.some((t) => clashes(t, { proto: r.proto, hostIp: r.hostIp, hostPort: h }))) chosen = h;
            continue;
          }
          if (!isHolder(h)) throw new PortError(listenError(r.proto, r.hostIp, 0, h));
          held.push(h); // keep it bound so the kernel offers another one next time
          if (!taken.some((t) => clashes(t, { proto: r.proto, hostIp: r.hostIp, hostPort: h.port }))) chosen = h.port;
        }
        if (chosen === undefined) throw new PortError('all ports are allocated');
      } else {
        for (let p = r.start; p <= r.end; p++) {
          if (taken.some((t) => clashes(t, { proto: r.proto, hostIp: r.hostIp, hostPort: p }))) continue;
          const h = await probe(r, p);
          if (!isHolder(h)) {
            // Docker does not retry an explicitly requested port (range or not) once the proxy fails
            throw new PortError(`Error starting userland proxy: ${listenError(r.proto, r.hostIp, p, h)}`);
          }
          held.push(h);
          chosen = p;
          break;
        }
        if (chosen === undefined) {
          throw new PortError(
            r.start === r.end
              ? `Bind for ${shownIp(r.hostIp)}:${r.start} failed: port is already allocated`
              : 'all ports are allocated',
          );
        }
      }
      const b: BoundPort = { proto: r.proto, containerPort: r.containerPort, hostIp: r.hostIp, hostPort: chosen };
      out.push(b);
      taken.push(b);
    }
    return out;
  } finally {
    for (const h of held) h.close();
  }
}

function randomEphemeral(): number {
  return 32768 + Math.floor(Math.random() * (60999 - 32768 + 1));
}

/**
 * Host ports that DNAT rules in the nat table already forward: portmap's CNI-DN-*
 * chains, Docker's DOCKER chain, anything else with `--dport N -j DNAT`.
 */
export function parseDnatPorts(iptablesS: string): ReservedPort[] {
  const out: ReservedPort[] = [];
  for (const line of iptablesS.split('\n')) {
    if (!line.startsWith('-A ') || !/ -j DNAT\b/.test(line)) continue;
    const proto = / -p (tcp|udp|sctp)\b/.exec(line)?.[1];
    const dport = / --dport (\d+)(?::(\d+))?\b/.exec(line);
    if (!proto || !dport) continue;
    const dst = / -d (\d+\.\d+\.\d+\.\d+)(?:\/32)?\b/.exec(line)?.[1] ?? '';
    const from = Number(dport[1]);
    const to = dport[2] ? Number(dport[2]) : from;
    for (let p = from; p <= to; p++) out.push({ proto, hostIp: dst, hostPort: p });
  }
  return out;
}

/** DNAT'd ports of the live nat table (empty if iptables is missing). */
export function dnatPorts(): Promise<ReservedPort[]> {
  return new Promise((resolve) => {
    const child = spawn(...inNetworkHost('iptables', ['-w', '-t', 'nat', '-S']), {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer | string) => (out += d.toString()));
    child.on('error', () => resolve([]));
    child.on('close', () => resolve(parseDnatPorts(out)));
  });
}
