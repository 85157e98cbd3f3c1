// The network namespace the bridge networks live in: the host's for root, or
// an ordinary user's own (rootless: src/rootless/network.ts sets it). Bridges,
// firewall rules, routes and the CNI plugins all work in it; the programs that
// touch them start through here, which runs them there (nsenter) when it is
// not the host's. Sockets this process opens (host port checks, registries)
// stay in the host's.

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
