// What the network layer may leave behind, found and removed for `system check`:
// bridges whose store is gone (any store's of this naming: the owner recorded on
// the bridge says so) or that no network of this store names; iptables rules naming a stowage
// bridge that no longer exists; portmap chains forwarding to addresses no host
// network holds, or to a container of this store that is not attached; host-local
// reservations and directories of networks and containers that are gone;
// attachments and namespace files of containers that are not running; DNS
// resolvers of networks that are gone.
import fs from 'node:fs';
import path from 'node:path';
import { removeBridgeFromHost } from './bridges';
import { deleteRules, run, splitRule } from './iptables';
import { bridgeTag, isStowageBridgeName, netNaming } from './naming';
import { isNetns, removeNetns } from './netns';
import { networkLinks } from './host-netns';
import { linkSubnets, ownedBridges, ownerGone, reclaimBridge } from './owners';
import { contains, parseCidr } from './subnet';
import type { NetworkConfig } from './types';

/** One thing found; `repair` removes it. */
export interface Finding {
  kind: string;
  object: string;
  problem: string;
  repair(): Promise<void> | void;
}

export interface NetworkCheckInput {
  storeId: string | undefined;
  networks: NetworkConfig[];
  ipamDir: string;
  netnsDir: string;
  attachments: Array<{ containerId: string; networkId: string; netns: string; ownerAlive: boolean }>;
  /** containers that are running (or paused): the only ones that need a namespace and attachments */
  running: ReadonlySet<string>;
  detachAll(containerId: string, netns?: string): Promise<void>;
  /** the live DNS resolvers of this run root (dns-resolvers.ts), and how to stop one */
  resolvers?: Array<{ networkId: string; pid: number }>;
  stopResolver?(networkId: string): Promise<void>;
}

async function listRules(table: string): Promise<string[][]> {
  const r = await run('iptables', ['-w', '-t', table, '-S']);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean).map(splitRule) : [];
}

/** IPv4 subnets of every link of the host. */
function hostSubnets(): ReturnType<typeof parseCidr>[] {
  return [...networkLinks().keys()].flatMap((n) => linkSubnets(n).map(parseCidr));
}

/**
 * Host-wide findings (other stores' bridges, rules, chains) are those of this
 * process's naming only: a user's check sees users' stores, a test run its own.
 */
export async function checkNetwork(input: NetworkCheckInput): Promise<Finding[]> {
  const out: Finding[] = [];
  const naming = netNaming();
  const pools = [...naming.defaultPools, ...naming.userPools].map(parseCidr);
  const ours = new Map(input.networks.flatMap((n) => (n.bridge ? [[n.bridge, n] as const] : [])));

  // bridges
  for (const b of ownedBridges()) {
    if (ownerGone(b.owner)) {
      out.push({
        kind: 'bridge',
        object: b.name,
        problem: `its store (${b.owner.root}) is gone`,
        repair: () => reclaimBridge(b),
      });
    } else if (input.storeId && b.owner.store === input.storeId && ours.get(b.name)?.id !== b.owner.network) {
      out.push({
        kind: 'bridge',
        object: b.name,
        problem: 'no network of this store uses it',
        repair: () => removeBridgeFromHost(b.name, linkSubnets(b.name)[0]),
      });
    }
  }

  // rules naming a stowage bridge that does not exist
  const links = networkLinks();
  const exists = (l: string) => links.has(l);
  for (const table of ['filter', 'nat']) {
    const rules = await listRules(table);
    for (const a of rules) {
      if (a[0] !== '-A') continue;
      const named = ['-i', '-o']
        .map((f) => (a.indexOf(f) > 0 ? a[a.indexOf(f) + 1] : ''))
        .filter((l) => isStowageBridgeName(l) && bridgeTag(l) === naming.tag);
      const missing = named.find((l) => !exists(l));
      if (!missing) continue;
      out.push({
        kind: 'rule',
        object: `${table}: ${a.join(' ')}`,
        problem: `names bridge ${missing}, which does not exist`,
        repair: async () => {
          await run('iptables', ['-w', '-t', table, '-D', ...a.slice(1)]);
        },
      });
    }
  }

  // portmap's per-container chains: forwarding to no host network, or to a container of ours not attached
  const nat = await listRules('nat');
  const subnets = hostSubnets();
  const attached = new Set(input.attachments.map((a) => `${a.networkId} ${a.containerId}`));
  const ourIds = new Set(input.networks.map((n) => n.id));
  for (const a of nat) {
    if (a[0] !== '-A' || a[1] !== 'CNI-HOSTPORT-DNAT') continue;
    const chain = a[a.indexOf('-j') + 1];
    if (!chain?.startsWith('CNI-DN-')) continue;
    const m = a.map((w) => /name: "([0-9a-f]{64})" id: "([^"]+)"/.exec(w)).find(Boolean);
    if (!m) continue; // not a stowage network (CNI names them by ID)
    const [, networkId, containerId] = m;
    const targets = nat
      .filter((r) => r[0] === '-A' && r[1] === chain && r.includes('--to-destination'))
      .map((r) => r[r.indexOf('--to-destination') + 1].split(':')[0]);
    let problem: string | undefined;
    if (ourIds.has(networkId)) {
      if (!attached.has(`${networkId} ${containerId}`))
        problem = `forwards to container ${containerId.slice(0, 12)}, not attached`;
    } else if (
      targets.length &&
      targets.every((ip) => pools.some((p) => contains(p, ip))) &&
      !targets.some((ip) => subnets.some((s) => contains(s, ip)))
    ) {
      problem = `forwards to ${targets[0]}, on no network of this host`;
    }
    if (!problem) continue;
    out.push({
      kind: 'chain',
      object: `nat: ${chain}`,
      problem,
      repair: async () => {
        await deleteRules('nat', (r) => r.includes(chain) && r[1] !== chain, [chain]);
      },
    });
  }

  // host-local: directories of networks that are gone, reservations of containers not attached
  let ipamDirs: string[] = [];
  try {
    ipamDirs = fs.readdirSync(input.ipamDir);
  } catch {
    /* none yet */
  }
  for (const dir of ipamDirs) {
    const full = path.join(input.ipamDir, dir);
    if (!ourIds.has(dir)) {
      out.push({
        kind: 'ipam',
        object: full,
        problem: 'no network of this store has that ID',
        repair: () => fs.rmSync(full, { recursive: true, force: true }),
      });
      continue;
    }
    for (const f of fs.readdirSync(full)) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      let holder: string;
      try {
        holder = fs.readFileSync(path.join(full, f), 'utf8').split(/\r?\n/)[0];
      } catch {
        // the reservation was released between readdir and read: nothing to check
        continue;
      }
      if (attached.has(`${dir} ${holder}`)) continue;
      out.push({
        kind: 'ipam',
        object: path.join(full, f),
        problem: `reserved for container ${holder.slice(0, 12)}, not attached`,
        repair: () => fs.rmSync(path.join(full, f), { force: true }),
      });
    }
  }

  // attachments and namespaces of containers that are not running
  const staleAttach = new Map<string, string>();
  for (const a of input.attachments) {
    if (input.running.has(a.containerId) || a.ownerAlive) continue;
    staleAttach.set(a.containerId, a.netns);
  }
  for (const [cid, netns] of staleAttach) {
    out.push({
      kind: 'attachment',
      object: cid.slice(0, 12),
      problem: 'the container is not running (or gone) but still attached',
      repair: () => input.detachAll(cid, fs.existsSync(netns) ? netns : undefined),
    });
  }
  let nsFiles: string[] = [];
  try {
    nsFiles = fs.readdirSync(input.netnsDir);
  } catch {
    /* none yet */
  }
  for (const name of nsFiles) {
    const owner = name.replace(/\.user$/, ''); // a keep-id container's user namespace, beside its network one
    if (input.running.has(owner) || input.attachments.some((a) => a.containerId === owner && a.ownerAlive)) continue;
    const file = path.join(input.netnsDir, name);
    out.push({
      kind: 'netns',
      object: file,
      problem: isNetns(file) ? 'namespace of a container that is not running' : 'empty namespace file',
      repair: () => removeNetns(file),
    });
  }
  // resolvers serving a network this store no longer has (it stops by itself within a second; a stuck one stays)
  for (const r of input.resolvers ?? []) {
    if (input.networks.some((n) => n.id === r.networkId)) continue;
    out.push({
      kind: 'resolver',
      object: `pid ${r.pid}`,
      problem: `serves network ${r.networkId.slice(0, 12)}, which is gone`,
      repair: () => input.stopResolver?.(r.networkId),
    });
  }
  return out;
}
