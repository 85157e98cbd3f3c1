// Bridge devices on the host: claiming a subnet and a bridge for a network, and
// removing what a bridge network put on the host.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StowageError, invalidArgument } from '../errdefs';
import { removeBridgeRules } from './bridge-rules';
import { deleteRules } from './iptables';
import { contains, firstHost, formatCidr, hostRoutes, overlaps, parseCidr, pickSubnet, type Cidr } from './subnet';
import type { NetworkConfig } from './types';
import { inNetworkHost, networkLinkExists } from './host-netns';

/** What a network asks for (`--subnet/--gateway/--ip-range`); all optional. */
export interface SubnetRequest {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

/** A bridge device, up, with the gateway address of its subnet. */
export interface ClaimedBridge {
  bridge: string;
  /** "10.70.0.0/24" */
  subnet: string;
  gateway: string;
}

function sh(cmd: string, args: string[]): { code: number; stderr: string } {
  const r = spawnSync(...inNetworkHost(cmd, args), { encoding: 'utf8' });
  return { code: r.status ?? 1, stderr: (r.stderr ?? '').trim() };
}

const linkExists = networkLinkExists;

/**
 * The first free name bridgeName(0), bridgeName(1), ... created as a bridge (atomically,
 * by the kernel); `made` labels it before anything else is done with it.
 */
function createBridgeDevice(bridgeName: (i: number) => string, made?: (bridge: string) => void): string {
  for (let i = 0; i < 100; i++) {
    const candidate = bridgeName(i);
    if (i > 0 && candidate === bridgeName(i - 1)) break; // a fixed name: one try
    if (linkExists(candidate)) continue;
    const r = sh('ip', ['link', 'add', candidate, 'type', 'bridge']);
    if (r.code === 0) {
      made?.(candidate);
      return candidate;
    }
    if (!/exists/i.test(r.stderr))
      throw new StowageError('internal', `failed to create bridge ${candidate}: ${r.stderr}`);
  }
  throw new StowageError('internal', `failed to create a bridge device (${bridgeName(0)})`);
}

/** IPv4 subnets of the host's interface addresses (optionally except one interface). */
function hostAddresses(except?: string): Cidr[] {
  const r = spawnSync(...inNetworkHost('ip', ['-4', '-j', 'addr', 'show']), { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const out: Cidr[] = [];
  for (const link of JSON.parse(r.stdout || '[]') as Array<{
    ifname: string;
    addr_info?: Array<{ local: string; prefixlen: number }>;
  }>) {
    if (link.ifname === except || link.ifname === 'lo') continue;
    for (const a of link.addr_info ?? []) out.push(parseCidr(`${a.local}/${a.prefixlen}`));
  }
  return out;
}

/**
 * Picks a subnet (given, or the first free one of pools) and a bridge name, and
 * creates the bridge with its gateway address. The kernel is the arbiter between
 * stowage processes of different roots: after adding its address, a claimant that
 * sees another interface with an overlapping address yields (deletes its bridge)
 * and tries the next subnet. Whatever the interleaving, at least one of two racing
 * claimants sees the other, so two bridges never keep overlapping subnets.
 * `networks` are this root's networks: their subnets are taken too. `made` is
 * called with each bridge device as soon as it exists (owners.ts labels it).
 */
export function claimBridge(
  networks: readonly NetworkConfig[],
  pools: readonly string[],
  prefix: number,
  req: SubnetRequest,
  bridgeName: (i: number) => string,
  made?: (bridge: string) => void,
): ClaimedBridge {
  const others = networks.flatMap((n) => (n.subnet ? [parseCidr(n.subnet)] : []));
  let fixed: Cidr | undefined;
  if (req.subnet) {
    try {
      fixed = parseCidr(req.subnet);
    } catch (err) {
      throw invalidArgument(`Invalid subnet ${req.subnet} : ${(err as Error).message}`);
    }
    const want = fixed;
    if (others.some((o) => overlaps(o, want)))
      throw new StowageError('forbidden', 'Pool overlaps with other one on this address space');
  } else if (req.gateway || req.ipRange) {
    throw invalidArgument(`no matching subnet for ${req.gateway ? `gateway ${req.gateway}` : `range ${req.ipRange}`}`);
  }
  if (fixed) {
    if (req.gateway && !contains(fixed, req.gateway))
      throw invalidArgument(`no matching subnet for gateway ${req.gateway}`);
    if (req.ipRange) {
      let range: Cidr;
      try {
        range = parseCidr(req.ipRange);
      } catch (err) {
        throw invalidArgument(`invalid CIDR address: ${req.ipRange}`, err);
      }
      if (range.prefix < fixed.prefix || !contains(fixed, firstHost(range)))
        throw invalidArgument(`no matching subnet for range ${req.ipRange}`);
    }
  }

  const lost: Cidr[] = [];
  for (let attempt = 0; attempt < 16; attempt++) {
    const taken = [...others, ...hostRoutes(), ...hostAddresses(), ...lost];
    let subnet: Cidr;
    if (fixed) {
      if (taken.some((t) => overlaps(t, fixed)))
        throw new StowageError('forbidden', 'requested network overlaps with existing network');
      subnet = fixed;
    } else {
      const picked = pickSubnet(pools, prefix, taken);
      if (!picked) {
        throw new StowageError(
          'not-found',
          'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
        );
      }
      subnet = picked;
    }
    const gateway = req.gateway ?? firstHost(subnet);
    const bridge = createBridgeDevice(bridgeName, made);
    const addr = sh('ip', ['addr', 'add', `${gateway}/${subnet.prefix}`, 'dev', bridge]);
    const up = sh('ip', ['link', 'set', bridge, 'up']);
    if (addr.code !== 0 || up.code !== 0) {
      sh('ip', ['link', 'del', bridge]);
      throw new StowageError('internal', `failed to set up bridge ${bridge}: ${addr.stderr || up.stderr}`);
    }
    if (hostAddresses(bridge).some((a) => overlaps(a, subnet))) {
      sh('ip', ['link', 'del', bridge]); // somebody else claimed it meanwhile: yield
      lost.push(subnet);
      continue;
    }
    return { bridge, subnet: formatCidr(subnet), gateway };
  }
  throw new StowageError('unavailable', 'could not claim a subnet for the network: too many concurrent claims');
}

/**
 * Removes what a bridge network put on the host: the bridge device, its
 * rules (bridge-rules.ts; and the firewall plugin's isolation rules, which
 * networks made by earlier versions have) and its IPAM directory (under ipamDir).
 */
export async function teardownBridge(net: NetworkConfig, ipamDir: string): Promise<void> {
  if (net.driver !== 'bridge' || !net.bridge) return;
  await removeBridgeFromHost(net.bridge, net.subnet, net.internal);
  fs.rmSync(path.join(ipamDir, net.id), { recursive: true, force: true });
}

/** Removes a bridge device and the rules naming it (its subnet's MASQUERADE rule when given). */
export async function removeBridgeFromHost(br: string, subnet: string | undefined, internal = false): Promise<void> {
  await removeBridgeRules({
    name: br,
    id: '',
    driver: 'bridge',
    bridge: br,
    subnet,
    internal,
    labels: {},
    options: {},
    created: '',
  });
  await deleteRules('filter', (a) => {
    if (a[1] !== 'CNI-ISOLATION-STAGE-1' && a[1] !== 'CNI-ISOLATION-STAGE-2') return false;
    const i = a.indexOf('-i');
    const o = a.indexOf('-o');
    return (i > 0 && a[i + 1] === br) || (o > 0 && a[o + 1] === br);
  });
  if (linkExists(br)) sh('ip', ['link', 'del', br]);
}
