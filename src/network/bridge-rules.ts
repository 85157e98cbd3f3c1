// The iptables rules of a bridge network, once per network as Docker's bridge
// driver programs them, rather than per container (the bridge plugin's ipMasq
// and the firewall plugin add and remove a dozen rules for every container, and
// every iptables run costs milliseconds):
//   nat     POSTROUTING -s SUBNET ! -o BR -j MASQUERADE          (not for internal networks)
//   filter  STOWAGE-FORWARD: replies and published (DNAT'd) connections into BR,
//           anything out of BR (internal: only BR to BR);
//           STOWAGE-ISOLATION-STAGE-1/2: no traffic from one stowage bridge to another
//           (Docker's DOCKER-ISOLATION chains); internal networks drop what leaves
//           or enters from elsewhere.
// The chains and the FORWARD jumps to them are shared by every network and
// stay, as Docker's do; a network's own rules go with the network.
// A test run's bridges (stwTAG-...) have chains of their own (STWTAG-...; naming.ts).
import { deleteRules, run } from './iptables';
import { chainsFor, DEFAULT_CHAINS } from './naming';
import type { NetworkConfig } from './types';
import { internal } from '../errdefs';

export const FORWARD_CHAIN = DEFAULT_CHAINS.forward;
export const ISOLATION_1 = DEFAULT_CHAINS.isolation1;
export const ISOLATION_2 = DEFAULT_CHAINS.isolation2;

export interface BridgeRules {
  filter: string[][];
  nat: string[][];
}

/** A network's rules, each as `-A CHAIN match... -j TARGET` arguments. */
export function bridgeRules(net: NetworkConfig): BridgeRules {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
  const br = net.bridge!;
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
  const subnet = net.subnet!;
  const { forward, isolation1, isolation2 } = chainsFor(br);
  const filter: string[][] = [['-A', forward, '-i', br, '-o', br, '-j', 'ACCEPT']];
  if (net.internal) {
    filter.push(
      ['-A', isolation1, '!', '-s', subnet, '-o', br, '-j', 'DROP'],
      ['-A', isolation1, '!', '-d', subnet, '-i', br, '-j', 'DROP'],
    );
    return { filter, nat: [] };
  }
  filter.push(
    ['-A', forward, '-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['-A', forward, '-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'],
    ['-A', forward, '-i', br, '!', '-o', br, '-j', 'ACCEPT'],
    ['-A', isolation1, '-i', br, '!', '-o', br, '-j', isolation2],
    ['-A', isolation2, '-o', br, '-j', 'DROP'],
  );
  return { filter, nat: [['-A', 'POSTROUTING', '-s', subnet, '!', '-o', br, '-j', 'MASQUERADE']] };
}

/** Does an `iptables -S` rule belong to this bridge network? */
function isOwnRule(net: NetworkConfig, args: string[]): boolean {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
  const br = net.bridge!;
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i > 0 ? args[i + 1] : undefined;
  };
  if (args[1] === 'POSTROUTING')
    return args.at(-1) === 'MASQUERADE' && at('-o') === br && (net.subnet === undefined || at('-s') === net.subnet);
  if (!Object.values(chainsFor(br)).includes(args[1])) return false;
  return at('-i') === br || at('-o') === br;
}

/**
 * Makes sure a bridge network's rules are in place: an `iptables -C` per table
 * when they are (the usual case), else (a new network, or the host's rules were flushed,
 * e.g. by a reboot) the chains and jumps are created if missing and the
 * network's rules written afresh in one iptables-restore per table.
 * Callers serialize this per store (the state DB's lock); bridges are per host.
 */
export async function ensureBridgeRules(net: NetworkConfig): Promise<void> {
  if (net.driver !== 'bridge' || !net.bridge || !net.subnet) return;
  const rules = bridgeRules(net);
  const probes: Array<[string, string[]]> = [
    ['filter', rules.filter[0]],
    ...rules.nat.map((r): [string, string[]] => ['nat', r]),
  ];
  // the probes at once: on every container start, they are most of what the network adds before runc
  const checked = await Promise.all(
    probes.map(([table, rule]) => run('iptables', ['-w', '-t', table, '-C', ...rule.slice(1)])),
  );
  if (checked.every((r) => r.code === 0)) return;
  const listed = await run('iptables', ['-w', '-t', 'filter', '-S']);
  const lines = listed.stdout.split('\n');
  const { forward, isolation1, isolation2 } = chainsFor(net.bridge);
  for (const chain of [isolation2, isolation1, forward]) {
    if (!lines.includes(`-N ${chain}`)) await run('iptables', ['-w', '-t', 'filter', '-N', chain]); // "exists" from a racing root is fine
  }
  // isolation first, then the accepts, both ahead of whatever else FORWARD holds:
  // unless both jumps are there, both are put back in that order
  const jumps = [isolation1, forward];
  if (!jumps.every((chain) => lines.includes(`-A FORWARD -j ${chain}`))) {
    for (const chain of jumps) {
      for (const line of lines)
        if (line === `-A FORWARD -j ${chain}`)
          await run('iptables', ['-w', '-t', 'filter', '-D', 'FORWARD', '-j', chain]);
    }
    for (const chain of [...jumps].reverse())
      await run('iptables', ['-w', '-t', 'filter', '-I', 'FORWARD', '1', '-j', chain]);
  }
  await removeBridgeRules(net); // a partial set left behind: written again whole
  for (const [table, list] of [
    ['filter', rules.filter],
    ['nat', rules.nat],
  ] as const) {
    if (list.length === 0) continue;
    const input = `*${table}\n${list.map((r) => r.join(' ')).join('\n')}\nCOMMIT\n`;
    const r = await run('iptables-restore', ['-w', '--noflush'], input);
    if (r.code !== 0) throw internal(`iptables-restore (${table}) for bridge ${net.bridge}: ${r.stderr.trim()}`);
  }
}

/** Removes a bridge network's own rules (the shared chains stay). */
export async function removeBridgeRules(net: NetworkConfig): Promise<void> {
  if (net.driver !== 'bridge' || !net.bridge) return;
  await deleteRules('filter', (a) => isOwnRule(net, a));
  await deleteRules('nat', (a) => isOwnRule(net, a));
}
