// `--add-host`, `--dns` and `--ulimit` values as the docker CLI checks them
// (opts.ValidateExtraHost, opts.ValidateIPAddress, go-units' ParseUlimit), and
// what they become in the container.
import { isIP } from 'node:net';
import type { HostRecord } from '../network/etc-files';
import { invalidArgument } from '../errdefs';

/** go-units' Ulimit (its JSON key order: Name, Hard, Soft) */
export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

/** --add-host HOST:IP (or HOST=IP; IP may be in brackets, or "host-gateway"): stored as HOST:IP. */
export function parseExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const host = sep < 0 ? '' : val.slice(0, sep);
  let ip = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || host === '' || host.includes(':'))
    throw invalidArgument(`bad format for add-host: ${JSON.stringify(val)}`);
  if (ip !== HOST_GATEWAY) {
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!isIP(ip)) throw invalidArgument(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return `${host}:${ip}`;
}

const HOST_GATEWAY = 'host-gateway';

/** The /etc/hosts records of --add-host values; "host-gateway" is the host's address on the container's network. */
export function extraHostRecords(
  extraHosts: readonly string[] | null | undefined,
  gateway: string | undefined,
): HostRecord[] {
  return (extraHosts ?? []).flatMap((h) => {
    const sep = h.indexOf(':');
    const ip = h.slice(sep + 1);
    const resolved = ip === HOST_GATEWAY ? gateway : ip;
    return resolved ? [{ ip: resolved, hosts: h.slice(0, sep) }] : [];
  });
}

/** --dns: an IP address. */
export function parseDnsServer(val: string): string {
  if (!isIP(val)) throw invalidArgument(`IP address is not correctly formatted: ${val}`);
  return val;
}

const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
];

function parseInt64(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** --ulimit NAME=SOFT[:HARD] (-1: unlimited). */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw invalidArgument(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!ULIMIT_NAMES.includes(name)) throw invalidArgument(`invalid ulimit type: ${name}`);
  const values = val.slice(eq + 1).split(':');
  if (values.length > 2)
    throw invalidArgument(
      `too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``,
    );
  const hard = values.length === 2 ? parseInt64(values[1]) : undefined;
  const soft = parseInt64(values[0]);
  const h = hard ?? soft;
  if (h !== -1) {
    if (soft === -1)
      throw invalidArgument(
        `ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${h}`,
      );
    if (soft > h) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  }
  return { Name: name, Hard: h, Soft: soft };
}

const NAMESPACED_SYSCTLS = [
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
];

/** --sysctl KEY=VALUE: only what a container's own namespaces hold (the docker CLI's ValidateSysctl). */
export function validateSysctl(val: string): string {
  const eq = val.indexOf('=');
  const key = eq < 0 ? '' : val.slice(0, eq);
  if (key && (NAMESPACED_SYSCTLS.includes(key) || key.startsWith('net.') || key.startsWith('fs.mqueue.'))) return val;
  throw invalidArgument(`sysctl '${val}' is not allowed`);
}

/** -l KEY=VALUE: a name, without whitespace (the docker CLI's ValidateLabel). */
export function validateLabel(val: string): string {
  const key = val.split('=')[0].replace(/^[\s]+/, '');
  if (key === '') throw invalidArgument(`invalid label '${val}': empty name`);
  if (/\s/.test(key)) throw invalidArgument(`label '${key}' contains whitespaces`);
  return val;
}
