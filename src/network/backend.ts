// What the services need of the network layer (the "NetworkDriver"; that
// name is taken by the driver kinds in types.ts): network definitions, and
// containers' namespaces attached to them. NetworkManager (manager.ts) does it
// with bridges, CNI plugins and iptables; FakeNetworks (fake-networks.ts) in memory.
import type { CreateNetworkOptions } from './networks';
import type { AttachOptions, Endpoint, NetworkConfig, Peer } from './types';

export interface NetworkBackend {
  /** Every network, the predefined ones (bridge, host, none) included. */
  list(): Promise<NetworkConfig[]>;
  /** Full ID, then exact name, then unique ID prefix: `not-found` ("network X not found"). */
  inspect(nameOrId: string): Promise<NetworkConfig>;
  /** A bridge network with a subnet of its own; a taken name is `already-exists`, a predefined one `forbidden`. */
  create(name: string, opts?: CreateNetworkOptions): Promise<NetworkConfig>;
  /** Refused (`forbidden`) for predefined networks and while endpoints are attached. */
  remove(nameOrId: string): Promise<void>;
  /** Removes the user-defined networks with no endpoints that `filter` accepts; returns their names. */
  prune(filter?: (net: NetworkConfig) => boolean): Promise<string[]>;
  /** Connects a container's namespace to a network; the same network twice is `conflict`. */
  attach(containerId: string, netns: string, network: string, opts: AttachOptions): Promise<Endpoint>;
  /** Idempotent; netns may be undefined or already gone. */
  detach(containerId: string, netns: string | undefined, network: string): Promise<void>;
  detachAll(containerId: string, netns?: string): Promise<void>;
  /** A container's endpoints, in the order it joined the networks. */
  endpoints(containerId: string): Endpoint[];
  /** The containers on a network (by name or ID), in the order they joined. */
  peers(network: string): Peer[];
}
