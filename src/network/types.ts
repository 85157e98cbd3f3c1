// Contracts of the network layer: Docker's port shapes, network records,
// endpoints and the store that keeps network definitions.

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One host-side binding of a container port, as in HostConfig.PortBindings. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** "80/tcp" -> bindings (HostConfig.PortBindings, NetworkSettings.Ports without the nulls). */
export type PortMap = Record<string, PortBinding[]>;

/** Config.ExposedPorts: "80/tcp" -> {}. */
export type PortSet = Record<string, Record<string, never>>;

/** An entry of `Ports` in GET /containers/json (what `docker ps` formats). */
export interface ApiPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export type NetworkDriver = 'bridge' | 'host' | 'null';

/** A network definition. Persisted by a NetworkStore. */
export interface NetworkConfig {
  name: string;
  /** 64 hex characters */
  id: string;
  driver: NetworkDriver;
  /** Linux bridge device (bridge driver only) */
  bridge?: string;
  /** IPv4 CIDR, e.g. "10.66.0.0/16" (bridge driver only) */
  subnet?: string;
  /** gateway address on the bridge, e.g. "10.66.0.1" */
  gateway?: string;
  /** sub-range addresses are allocated from (`--ip-range`) */
  ipRange?: string;
  /** IPAM AuxiliaryAddresses (reserved in host-local's directory) */
  auxAddresses?: Record<string, string>;
  /** containers get an address of `ipv6` too (`--ipv6`, EnableIPv6) */
  enableIPv6?: boolean;
  /**
   * The IPv6 pool as given (Docker shows it so): kept even without EnableIPv6,
   * when it only lets `--ip6` be checked and shown, as Docker 20.10 does
   */
  ipv6?: Ipv6Pool;
  /** no default route, no masquerade, no published ports (`--internal`) */
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** RFC 3339 with nanoseconds, as Docker prints Created */
  created: string;
}

/** A network's IPv6 IPAM pool: subnet, and the gateway and sub-range when given. */
export interface Ipv6Pool {
  subnet: string;
  gateway?: string;
  ipRange?: string;
}

/** Where network definitions live (JSON files by default; the metadata DB later). */
export interface NetworkStore {
  list(): NetworkConfig[];
  put(net: NetworkConfig): void;
  delete(id: string): void;
}

/** One container attached to one network: what `inspect` shows under NetworkSettings.Networks. */
export interface Endpoint {
  NetworkID: string;
  NetworkName: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  /** the IPv6 address on an IPv6 network ('' otherwise) */
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
  Aliases: string[];
  /** interface name inside the container (eth0, eth1, ...) */
  InterfaceName: string;
  /** the bindings actually programmed, host IP and port resolved ("0.0.0.0", "49153") */
  Ports: PortMap;
}

export interface AttachOptions {
  /** container name without the leading slash: Docker's endpoint name, used in errors */
  name: string;
  /**
   * Bindings to publish on this network (after -P expansion, see ports.effectiveBindings).
   * Pass them to one network only: the first one, which carries the default route.
   */
  ports?: PortMap;
  /** more names peers resolve this container by (`--network-alias`), besides `name` */
  aliases?: string[];
  /** a fixed IPv4 address (`--ip`), must be in the network's subnet */
  ip?: string;
  /** a fixed IPv6 address (`--ip6`), must be in the network's IPv6 subnet */
  ip6?: string;
  /** the interface's MAC address (Config.MacAddress) */
  mac?: string;
}

/** A peer on the same network, for the /etc/hosts entries that stand in for Docker's DNS. */
export interface Peer {
  containerId: string;
  ip: string;
  name: string;
  aliases: string[];
}
