// --link NAME[:ALIAS]: on the default bridge network Docker's legacy links
// (the linked container in /etc/hosts and its address, ports and environment
// in ALIAS_* variables, moby's daemon/links); on a user-defined network an alias
// of the linked container that only this container knows.
import { invalidArgument } from '../errdefs';

/** The docker CLI's ParseLink: "name:alias", "name" (alias = name), or a stored "/name:/parent/alias". */
export function parseLink(val: string): { name: string; alias: string } {
  if (val === '') throw invalidArgument('empty string specified for links');
  const parts = val.split(':');
  if (parts.length > 2) throw invalidArgument(`bad format for links: ${val}`);
  if (parts.length === 1) return { name: val, alias: val };
  if (parts[0].startsWith('/'))
    return { name: parts[0].slice(1), alias: parts[1].slice(parts[1].lastIndexOf('/') + 1) };
  return { name: parts[0], alias: parts[1] };
}

interface Port {
  port: number;
  proto: string;
}

/** tcp before udp at the same number, then by number (moby's links sort). */
function sortedPorts(exposed: Record<string, unknown>): Port[] {
  return Object.keys(exposed)
    .map((k) => {
      const [p, proto = 'tcp'] = k.split('/');
      return { port: Number(p), proto };
    })
    .sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
}

/**
 * The ALIAS_* variables of a legacy link (moby's Link.ToEnv): the default port,
 * runs of contiguous ports as _START/_END, each port, the link's name and the
 * linked container's own environment (but HOME and PATH).
 */
export function linkEnv(link: {
  name: string;
  childIp: string;
  childEnv: readonly string[];
  exposed: Record<string, unknown>;
}): string[] {
  const alias = link.name
    .slice(link.name.lastIndexOf('/') + 1)
    .toUpperCase()
    .replace(/-/g, '_');
  const ip = link.childIp;
  const ports = sortedPorts(link.exposed);
  const env: string[] = [];
  if (ports.length) env.push(`${alias}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
  for (let i = 0; i < ports.length;) {
    const p = ports[i];
    const j = nextContiguous(ports, i);
    if (j > i + 1) {
      const P = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      const q = ports[j];
      env.push(
        `${P}_START=${p.proto}://${ip}:${p.port}`,
        `${P}_ADDR=${ip}`,
        `${P}_PROTO=${p.proto}`,
        `${P}_PORT_START=${p.port}`,
      );
      const Q = `${alias}_PORT_${p.port}_${q.proto.toUpperCase()}`;
      env.push(`${Q}_END=${q.proto}://${ip}:${q.port}`, `${Q}_PORT_END=${q.port}`);
      i = j + 1;
    } else i++;
  }
  for (const p of ports) {
    const P = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${P}=${p.proto}://${ip}:${p.port}`, `${P}_ADDR=${ip}`, `${P}_PORT=${p.port}`, `${P}_PROTO=${p.proto}`);
  }
  env.push(`${alias}_NAME=${link.name}`);
  for (const e of link.childEnv) {
    const eq = e.indexOf('=');
    if (eq < 0) continue;
    const key = e.slice(0, eq);
    if (key === 'HOME' || key === 'PATH') continue;
    env.push(`${alias}_ENV_${key}=${e.slice(eq + 1)}`);
  }
  return env;
}

/** The last index of the run of contiguous port numbers that starts at `index` (moby's nextContiguous). */
function nextContiguous(ports: Port[], index: number): number {
  if (index + 1 === ports.length) return index;
  let value = ports[index].port;
  for (let i = index + 1; i < ports.length; i++) {
    if (ports[i].port > value + 1) return i - 1;
    value++;
  }
  return ports.length - 1;
}

/** /etc/hosts names of a legacy link: the alias, the linked container's hostname, and its name unless that is the alias. */
export function linkHostNames(alias: string, child: { hostname: string; name: string }): string {
  return [alias, child.hostname, ...(alias !== child.name ? [child.name] : [])].join(' ');
}
