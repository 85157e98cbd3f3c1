// The network namespace the bridge networks live in: the host's for root, or
// an ordinary user's own (rootless: src/rootless/network.ts sets it). Bridges,
// firewall rules, routes and the CNI plugins all work in it; the programs that
// touch them start through here, which runs them there (nsenter) when it is
// not the host's. Sockets this process opens (host port checks, registries)
// stay in the host's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

let netns: string | undefined;

/** Puts this process's bridge networks in the namespace at `path` (undefined: the host's). */
export function setNetworkHost(path: string | undefined): void {
  netns = path;
}

/** The namespace set by setNetworkHost, if not the host's. */
export const networkHost = (): string | undefined => netns;

/** cmd and args, run in the networks' namespace. */
export function inNetworkHost(cmd: string, args: readonly string[]): [string, string[]] {
  return netns ? ['nsenter', [`--net=${netns}`, '--', cmd, ...args]] : [cmd, [...args]];
}

/**
 * The links of the networks' namespace by name, with their aliases ('' for none).
 * The host's from sysfs (one read each); a user's namespace through `ip`, since
 * the sysfs this process sees is the host's.
 */
export function networkLinks(): Map<string, string> {
  const out = new Map<string, string>();
  if (!netns) {
    let names: string[] = [];
    try {
      names = fs.readdirSync('/sys/class/net');
    } catch {
      /* no sysfs */
    }
    for (const n of names) {
      let alias = '';
      try {
        alias = fs.readFileSync(`/sys/class/net/${n}/ifalias`, 'utf8').trim();
      } catch {
        /* gone meanwhile */
      }
      out.set(n, alias);
    }
    return out;
  }
  const r = spawnSync(...inNetworkHost('ip', ['-j', '-d', 'link', 'show']), { encoding: 'utf8' });
  if (r.status !== 0) return out;
  for (const l of JSON.parse(r.stdout || '[]') as Array<{ ifname: string; ifalias?: string }>)
    out.set(l.ifname, l.ifalias ?? '');
  return out;
}

/** Whether a link exists in the networks' namespace. */
export function networkLinkExists(name: string): boolean {
  if (!netns) return fs.existsSync(`/sys/class/net/${name}`);
  return spawnSync(...inNetworkHost('ip', ['link', 'show', 'dev', name]), { stdio: 'ignore' }).status === 0;
}

/** A link's alias in the networks' namespace ('' for none or no such link). */
export function networkLinkAlias(name: string): string {
  if (!netns) {
    try {
      return fs.readFileSync(`/sys/class/net/${name}/ifalias`, 'utf8').trim();
    } catch {
      // no such link: it has no alias
      return '';
    }
  }
  const r = spawnSync(...inNetworkHost('ip', ['-j', '-d', 'link', 'show', 'dev', name]), { encoding: 'utf8' });
  if (r.status !== 0) return '';
  return (JSON.parse(r.stdout || '[]') as Array<{ ifalias?: string }>)[0]?.ifalias ?? '';
}
