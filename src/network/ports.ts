// Published ports as docker speaks them: `-p`/`--publish`, `--expose`, `-P`, the
// PortBindings / ExposedPorts shapes of the Engine API, the PORTS column of
// `docker ps` and the lines of `docker port`.
//
// Parsing follows docker/go-connections nat v0.5.0 (ParsePortSpec, ParsePortRange,
// SplitProtoPort), which docker CLI 28.2 vendors; its error strings are Docker's
// (lowercase since go-connections v0.5.0; CLI 20.10 printed them capitalized).
// Formatting follows docker/cli cli/command/formatter/container.go
// (DisplayablePorts) and cli/command/container/port.go (runPort).
import { invalidArgument, cliError } from '../errdefs';
import type { PortBinding, PortMap, PortSet, ApiPort, Protocol } from './types';

export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

/** One container port (or range member) and where it is published. */
export interface PortMapping {
  /** "80/tcp" */
  port: string;
  binding: PortBinding;
}

// ---------------------------------------------------------------------------
// Go helpers

/** Go's strconv.Quote for the strings we meet (ASCII); close enough otherwise. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * strconv.ParseUint(s, 10, 16): digits only, no sign, no underscores, at most 65535.
 * Walks the digits the way Go does, so "70000x" is a range error and "7x" a syntax error.
 */
export function parseUint16(s: string): number {
  const syntax = () => new Error(`strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  const range = () => new Error(`strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  if (s === '') throw syntax();
  let n = 0;
  for (const c of s) {
    let d: number;
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (/^[a-z]$/i.test(c))
      d = c.toLowerCase().charCodeAt(0) - 87; // a letter is a digit >= base
    else throw syntax();
    if (d >= 10) throw syntax();
    n = n * 10 + d;
    if (n > 0xffff) throw range();
  }
  return n;
}

/** net.JoinHostPort: brackets around hosts that contain a colon. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** net.ParseIP succeeds: dotted IPv4 (no leading zeros) or IPv6 without a zone. */
export function isIP(s: string): boolean {
  // node:net is required here, not at the top: `ps` and `port` format ports without loading it (several ms)
  const net = require('node:net') as typeof import('node:net'); // eslint-disable-line @typescript-eslint/no-require-imports
  return !s.includes('%') && net.isIP(s) !== 0;
}

/** nat.SplitProtoPort: "80/udp" -> ["udp", "80"]; no proto -> tcp; "" or "/x" -> ["", ""]. */
export function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

/**
 * nat.ParsePortRange: "80" or "8000-8010". Only the first two '-' fields count,
 * as in Go ("1-2-3" is 1-2).
 */
export function parsePortRange(ports: string): [start: number, end: number] {
  if (ports === '') throw invalidArgument('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseUint16(parts[0]);
  const end = parseUint16(parts[1]);
  if (end < start) throw invalidArgument(`invalid range specified for port: ${ports}`);
  return [start, end];
}

function splitParts(raw: string): [ip: string, hostPort: string, containerPort: string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1];
  switch (n) {
    case 1:
      return ['', '', containerPort];
    case 2:
      return ['', parts[0], containerPort];
    case 3:
      return [parts[0], parts[1], containerPort];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2], containerPort];
  }
}

/** The part of Go's net.SplitHostPort(ip + ":") that a bracketed address goes through. */
function stripBrackets(ip: string): string {
  const hostport = `${ip}:`;
  const fail = (why: string) => invalidArgument(`invalid IP address ${ip}: address ${hostport}: ${why}`);
  const last = hostport.lastIndexOf(':');
  const end = hostport.indexOf(']');
  if (end < 0) throw fail("missing ']' in address");
  if (end + 1 !== last)
    throw fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
  if (hostport.indexOf('[', 1) >= 0) throw fail("unexpected '[' in address");
  if (hostport.indexOf(']', end + 1) >= 0) throw fail("unexpected ']' in address");
  return hostport.slice(1, end);
}

// ---------------------------------------------------------------------------
// Parsing

/** nat.ParsePortSpec: one `-p` value in its short form. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);

  if (ip !== '' && ip[0] === '[') ip = stripBrackets(ip);
  if (ip !== '' && !isIP(ip)) throw invalidArgument(`invalid IP address: ${ip}`);
  if (containerPort === '') throw invalidArgument(`no port specified: ${raw}<empty>`);

  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    // the parse error is restated in Docker's message for a bad container port
    throw invalidArgument(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      // the parse error is restated in Docker's message for a bad host port
      throw invalidArgument(`invalid hostPort: ${hostPort}`);
    }
  }
  // A host range with a single container port is a range to allocate from;
  // two ranges must have the same length.
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw invalidArgument(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const lproto = proto.toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(lproto)) throw invalidArgument(`invalid proto: ${proto}`);

  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${start + i}/${lproto}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/**
 * The CLI's convertToStandardNotation: the long form
 * `published=8080,target=80,protocol=udp` becomes `8080:80/udp`.
 */
export function toStandardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of spec.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

export interface ParsedPorts {
  exposedPorts: PortSet;
  portBindings: PortMap;
}

/** `-p` values (short or long form) -> ExposedPorts and HostConfig.PortBindings, as `docker run` sends them. */
export function parsePublish(specs: readonly string[]): ParsedPorts {
  const exposedPorts: PortSet = {};
  const portBindings: PortMap = {};
  for (const spec of specs) {
    for (const m of parsePortSpec(toStandardNotation(spec))) {
      exposedPorts[m.port] = {};
      (portBindings[m.port] ??= []).push(m.binding);
    }
  }
  return { exposedPorts, portBindings };
}

/** `--expose` values added to ExposedPorts (ranges expand to single ports). */
export function parseExpose(specs: readonly string[], into: PortSet = {}): PortSet {
  for (const e of specs) {
    if (e.includes(':')) throw invalidArgument(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let start: number, end: number;
    try {
      [start, end] = parsePortRange(port);
    } catch (err) {
      throw invalidArgument(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) into[`${p}/${proto}`] ??= {};
  }
  return into;
}

/**
 * The daemon's check of HostConfig.PortBindings received over the API
 * (moby daemon/container.go validatePortBindings).
 */
export function validatePortBindings(bindings: PortMap): void {
  for (const [port, list] of Object.entries(bindings)) {
    const [, portStr] = splitProtoPort(port);
    try {
      if (portStr !== '') parseUint16(portStr);
    } catch {
      // the parse error is restated in Docker's message for a bad port
      throw invalidArgument(`invalid port specification: ${goQuote(portStr)}`);
    }
    for (const pb of list ?? []) {
      const [, hp] = splitProtoPort(pb.HostPort ?? '');
      try {
        if (hp !== '') parsePortRange(hp);
      } catch {
        // the parse error is restated in Docker's message for a bad host port
        throw invalidArgument(`invalid port specification: ${goQuote(pb.HostPort)}`);
      }
    }
  }
}

/**
 * The bindings to program for a container: every port in ExposedPorts that has
 * bindings keeps them; with -P (publishAll) an exposed port without any gets one
 * random host port. Ports with bindings but not exposed are ignored, as the
 * daemon does (the CLI always exposes what it publishes).
 */
export function effectiveBindings(exposed: PortSet, bindings: PortMap, publishAll = false): PortMap {
  const out: PortMap = {};
  for (const port of sortPorts(Object.keys(exposed))) {
    const list = bindings[port] ?? [];
    if (list.length > 0) out[port] = list.map((b) => ({ HostIp: b.HostIp ?? '', HostPort: b.HostPort ?? '' }));
    else if (publishAll) out[port] = [{ HostIp: '', HostPort: '' }];
  }
  return out;
}

/** Port keys in a stable order: by number, then protocol. */
export function sortPorts(ports: string[]): string[] {
  const key = (p: string) => {
    const [proto, port] = splitProtoPort(p);
    return { n: Number.parseInt(port, 10) || 0, proto };
  };
  return [...ports].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.n - kb.n || (ka.proto < kb.proto ? -1 : ka.proto > kb.proto ? 1 : 0);
  });
}

/** NetworkSettings.Ports: every exposed port, null when not published. */
export function networkSettingsPorts(exposed: PortSet, bound: PortMap): Record<string, PortBinding[] | null> {
  const out: Record<string, PortBinding[] | null> = {};
  for (const port of sortPorts([...new Set([...Object.keys(exposed), ...Object.keys(bound)])])) {
    out[port] = bound[port]?.length ? bound[port] : null;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Formatting

/** GET /containers/json `Ports` from NetworkSettings.Ports (moby daemon/list.go). */
export function apiPorts(ports: Record<string, PortBinding[] | null | undefined>): ApiPort[] {
  const out: ApiPort[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [proto, portStr] = splitProtoPort(key);
    const privatePort = portStr === '' ? 0 : parseUint16(portStr);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: privatePort, Type: proto });
      continue;
    }
    for (const b of bindings) {
      const publicPort = b.HostPort === '' ? 0 : parseUint16(b.HostPort);
      out.push({ IP: b.HostIp, PrivatePort: privatePort, PublicPort: publicPort, Type: proto });
    }
  }
  return out;
}

function comparePorts(a: ApiPort, b: ApiPort): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ai = a.IP ?? '';
  const bi = b.IP ?? '';
  if (ai !== bi) return ai < bi ? -1 : 1;
  const ap = a.PublicPort ?? 0;
  const bp = b.PublicPort ?? 0;
  if (ap !== bp) return ap - bp;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

function formGroup(key: string, first: number, last: number, join: (host: string, port: string) => string): string {
  const parts = key.split('/');
  let type = parts[0];
  let ip = '';
  if (parts.length > 1) {
    ip = parts[0];
    type = parts[1];
  }
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip !== '') group = `${join(ip, group)}->${group}`;
  return `${group}/${type}`;
}

export interface PsPortsStyle {
  /**
   * '28' (default, the project's reference CLI): IPv6 hosts in brackets, "[::]:88->80/tcp".
   * '20.10': docker CLI 20.10 joined without brackets, ":::88->80/tcp".
   */
  cli?: '28' | '20.10';
}

/**
 * The PORTS column of `docker ps` (docker/cli DisplayablePorts): consecutive ports
 * published on the same numbers collapse into a range ("0.0.0.0:8000-8002->8000-8002/tcp",
 * "8000-8002/tcp"); a mapping to a different number is listed one by one after the groups
 * ("0.0.0.0:88->80/tcp, [::]:88->80/tcp" for a 20.10 daemon's two bindings; CLI 20.10
 * printed ":::88->80/tcp").
 */
export function formatPsPorts(ports: readonly ApiPort[], style: PsPortsStyle = {}): string {
  const join = style.cli === '20.10' ? (h: string, p: string | number) => `${h}:${p}` : joinHostPort;
  const sorted = [...ports].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== current) {
        hostMappings.push(`${join(p.IP, p.PublicPort ?? 0)}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(formGroup(key, g.first, g.last, join));
    // a new run under the same key keeps the key's place in the output order
    g.first = current;
    g.last = current;
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last, join));
  return [...result, ...hostMappings].join(', ');
}

/** fvbommel/sortorder NaturalLess: digit runs compare by value, digits before other bytes. */
export function naturalLess(a: string, b: string): boolean {
  const isDigit = (c: number) => c >= 48 && c <= 57;
  const s1 = Buffer.from(a);
  const s2 = Buffer.from(b);
  let i = 0;
  let j = 0;
  while (i < s1.length && j < s2.length) {
    const c1 = s1[i];
    const c2 = s2[j];
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i++;
      j++;
      continue;
    }
    while (i < s1.length && s1[i] === 48) i++;
    while (j < s2.length && s2[j] === 48) j++;
    const nz1 = i;
    const nz2 = j;
    while (i < s1.length && isDigit(s1[i])) i++;
    while (j < s2.length && isDigit(s2[j])) j++;
    if (i - nz1 !== j - nz2) return i - nz1 < j - nz2;
    const n1 = s1.subarray(nz1, i).toString('latin1');
    const n2 = s2.subarray(nz2, j).toString('latin1');
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  // identical so far and one has ended: the longer sorts last
  return s1.length < s2.length;
}

/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]` output lines, from NetworkSettings.Ports.
 * Throws Docker's errors for a bad port or a port that is not published.
 */
export function formatPortCommand(
  ports: Record<string, PortBinding[] | null | undefined>,
  container: string,
  privatePort?: string,
): string[] {
  const out: string[] = [];
  if (privatePort !== undefined && privatePort !== '') {
    const slash = privatePort.indexOf('/');
    const port = slash < 0 ? privatePort : privatePort.slice(0, slash);
    const proto = (slash < 0 ? '' : privatePort.slice(slash + 1)) || 'tcp';
    try {
      parseUint16(port);
    } catch (err) {
      throw cliError(`Error: invalid port (${port}): ${(err as Error).message}`);
    }
    const frontends = ports[`${port}/${proto}`];
    if (!frontends || frontends.length === 0) {
      // the docker CLI's own message, "Error:" included
      throw cliError(`Error: No public port '${privatePort}' published for ${container}`);
    }
    for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [from, frontends] of Object.entries(ports)) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
    }
  }
  return out.sort((x, y) => (naturalLess(x, y) ? -1 : naturalLess(y, x) ? 1 : 0));
}

/** The host-port request of one binding: a fixed port, a range to pick from, or any (0-0). */
export function hostPortRange(hostPort: string): [start: number, end: number] {
  if (hostPort === '') return [0, 0];
  const [, hp] = splitProtoPort(hostPort);
  return parsePortRange(hp);
}
