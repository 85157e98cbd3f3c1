// The CNI chain a bridge network runs for a container, and what stowage does
// itself where the plugins fall short on DEL.
//
// Attaching a container runs the conflist  bridge (+ host-local IPAM) -> portmap
// against the container's network namespace:
//   - bridge: veth pair, gateway address on the bridge (isGateway; the plugin
//     also turns on net.ipv4.ip_forward), hairpin mode on the host end of the veth;
//   - host-local: addresses from the subnet, reservations under
//     <runroot>/network/ipam/<network id> (tmpfs: gone after a reboot, with the
//     containers that held them);
//   - portmap (only with published ports): DNAT from the host port, SNAT for
//     127.0.0.1 and hairpin traffic (snat; the plugin sets route_localnet on
//     the bridge);
// Masquerading, forwarding and isolation between networks are the network's own
// rules (bridge-rules.ts), once per network as Docker has them, not per container
// (the plugin's ipMasq and the firewall plugin would run a dozen iptables each).
// The loopback plugin brings up lo.
import fs from 'node:fs';
import path from 'node:path';
import { CNI_VERSION, type CniResult, type NetConfList, type PluginConf } from './cni';
import { cniChainName, deleteRules } from './iptables';
import { firstHost, lastHost, parseCidr } from './subnet';
import { firstHost6, formatCidr6, lastHost6, parseCidr6 } from './subnet6';
import type { NetworkConfig } from './types';

/** The conflist attaching a container to a bridge network; IPAM state under ipamDir. */
export function bridgeConflist(
  net: NetworkConfig,
  ipamDir: string,
  defaultRoute: boolean,
  withPorts: boolean,
): NetConfList {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a bridge network always has its bridge and subnet (claim() gives them)
  const range: Record<string, string> = { subnet: net.subnet!, gateway: net.gateway! };
  if (net.ipRange) {
    const r = parseCidr(net.ipRange);
    range.rangeStart = firstHost(r); // host-local skips the gateway itself
    range.rangeEnd = lastHost(r);
  }
  const ranges = [[range]];
  const routes = defaultRoute && !net.internal ? [{ dst: '0.0.0.0/0' }] : [];
  // an IPv6 network's containers get an address of its IPv6 pool too (Docker assigns none without EnableIPv6)
  if (net.enableIPv6 && net.ipv6) {
    const subnet = parseCidr6(net.ipv6.subnet);
    const range6: Record<string, string> = {
      subnet: formatCidr6(subnet), // host-local wants the network address
      gateway: net.ipv6.gateway ?? firstHost6(subnet),
    };
    if (net.ipv6.ipRange) {
      const r = parseCidr6(net.ipv6.ipRange);
      range6.rangeStart = firstHost6(r);
      range6.rangeEnd = lastHost6(r);
    }
    ranges.push([range6]);
    if (routes.length) routes.push({ dst: '::/0' });
  }
  const plugins: PluginConf[] = [
    {
      type: 'bridge',
      bridge: net.bridge,
      isGateway: true,
      ipMasq: false, // the network's own MASQUERADE rule (bridge-rules.ts)
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        dataDir: ipamDir,
        ranges,
        routes,
      },
      capabilities: { ips: true, mac: true },
    },
  ];
  if (withPorts && !net.internal) plugins.push({ type: 'portmap', snat: true, capabilities: { portMappings: true } });
  // the network's ID names it for the plugins: host-local's directory, chain-name hashes, rule comments
  return { cniVersion: CNI_VERSION, name: net.id, plugins };
}

/**
 * The bridge plugin removes its MASQUERADE chain only when it finds the
 * container's interface (it reads the addresses from it): with the namespace
 * gone the chain would stay. Remove it, and the POSTROUTING jump, by name.
 * Only attachments made by earlier versions (ipMasq on) have one.
 */
export async function teardownMasq(list: NetConfList, containerId: string): Promise<void> {
  if (!(list.plugins[0] as PluginConf & { ipMasq?: boolean }).ipMasq) return;
  const chain = cniChainName(list.name, containerId);
  await deleteRules('nat', (a) => a[1] === 'POSTROUTING' && a.includes(chain), [chain]);
}

/**
 * A stand-in prevResult when ADD died before storing any result: the address
 * host-local reserved for this container, found in its data directory.
 */
export function resultFromIpam(
  ipamDir: string,
  list: NetConfList,
  containerId: string,
  ifname: string,
): CniResult | undefined {
  const dir = path.join(ipamDir, list.name);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // no data directory: host-local has reserved nothing for this network
    return undefined;
  }
  const want = `${containerId}\r\n${ifname}`;
  const bridge = list.plugins[0] as PluginConf & {
    bridge?: string;
    ipam?: { ranges?: Array<Array<{ subnet: string; gateway?: string }>> };
  };
  const range = bridge.ipam?.ranges?.[0]?.[0];
  for (const n of names) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(n)) continue; // (an IPv6 reservation is released by host-local's DEL by container ID)
    try {
      if (fs.readFileSync(path.join(dir, n), 'utf8').trim() !== want) continue;
    } catch {
      // the reservation was released between readdir and read: not ours
      continue;
    }
    const prefix = range ? parseCidr(range.subnet).prefix : 32;
    return {
      cniVersion: CNI_VERSION,
      interfaces: [{ name: bridge.bridge ?? '' }],
      ips: [{ address: `${n}/${prefix}`, gateway: range?.gateway }],
    };
  }
  return undefined;
}
