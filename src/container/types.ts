// A container as stowage stores it: what it was created with (Docker's Config
// and HostConfig shapes) and what it is doing (State).
import type { Digest } from '../digest';
import type { ContainerConfig } from '../oci/types';
import type { Endpoint } from '../network/types';
import type { Ulimit } from './host-options';
import type { RestartPolicy } from './restart-policy';

export type PortBindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

export interface MountPoint {
  Type: 'volume' | 'bind' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Anonymous volumes go with the container on `rm -v`. */
  Anonymous?: boolean;
  TmpfsOptions?: string[];
}

export interface HostConfig {
  Binds: string[] | null;
  NetworkMode: string;
  PortBindings: PortBindings;
  AutoRemove: boolean;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  SecurityOpt: string[] | null;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  PidsLimit: number | null;
  Init: boolean | null;
  Runtime: string;
  ShmSize: number;
  Tmpfs?: Record<string, string>;
  /** --device-cgroup-rule values */
  DeviceCgroupRules?: string[];
  Isolation?: string;
  Sysctls?: Record<string, string>;
  /** absent in records made before restart policies: "no" */
  RestartPolicy?: RestartPolicy;
  /** --add-host values, HOST:IP */
  ExtraHosts?: string[] | null;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  Ulimits?: Ulimit[] | null;
  /** --cidfile, kept as Docker keeps it (the CLI writes the file) */
  ContainerIDFile?: string;
  LogConfig?: LogConfig;
  /** --volumes-from values as given (their mounts are copied into `mounts` at create) */
  VolumesFrom?: string[] | null;
  /** --group-add: names or gids, resolved in the container's /etc/group at each start */
  GroupAdd?: string[] | null;
  /** private (default), shareable, none, host, container:ID */
  IpcMode?: string;
  /** '' (private), host, container:ID */
  PidMode?: string;
  /** '' (private), host */
  UTSMode?: string;
  /** --userns: '' (the engine's own), host, or keep-id for an ordinary user (podman's) */
  UsernsMode?: string;
  CpuShares?: number;
  CpusetCpus?: string;
  MemoryReservation?: number;
  OomKillDisable?: boolean | null;
  OomScoreAdj?: number;
  Devices?: DeviceMapping[];
}

/** Docker's container.LogConfig: stowage's log is json-file (kept by conmon, rotated by max-size/max-file). */
export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** Docker's container.DeviceMapping (--device). */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** A legacy link (--link on the default bridge): the linked container by ID, and its alias here. */
export interface LegacyLink {
  id: string;
  alias: string;
}

/** A network the container joins (--network, network connect) and its endpoint settings. */
export interface NetworkAttachment {
  aliases: string[];
  /** --ip / IPAMConfig.IPv4Address */
  ipv4Address?: string;
  /** --ip6 / IPAMConfig.IPv6Address */
  ipv6Address?: string;
  /** --link on a user-defined network: "name:alias" as given */
  links?: string[];
  /** (API) EndpointSettings.IPAMConfig.LinkLocalIPs and DriverOpts, kept and shown as given */
  linkLocalIps?: string[];
  driverOpts?: Record<string, string>;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** argv[0] and the rest, as Docker's Path and Args. */
  path: string;
  args: string[];
  imageId: Digest;
  /** The image as the user named it (Config.Image). */
  imageRef: string;
  /** Top layer of the image, kept so the layers outlive an `rmi -f`. */
  topLayer: Digest | null;
  /** Docker's container Config (MacAddress is a container's own, not an image's) */
  config: ContainerConfig & { Image: string; StopTimeout?: number; MacAddress?: string };
  hostConfig: HostConfig;
  /** The --entrypoint and command as given, to rebuild the spec on every start. */
  entrypointFlag?: string;
  cmdArgs: string[];
  mounts: MountPoint[];
  /** Environment from -e/--env-file as given (the image's Env is merged in at start). */
  envFlags: string[];
  networks: Record<string, NetworkAttachment>;
  /** --link on the default bridge network */
  links?: LegacyLink[];
}

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: Status;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  /** The conmon process watching the container, and start times (pid reuse guards). */
  ConmonPid?: number;
  ConmonStart?: string;
  PidStart?: string;
  /** Network endpoints while running, keyed by network name. */
  Networks?: Record<string, Endpoint>;
  /** The current run (see ContainerService.start): conmon's exit command names the run it ends. */
  RunId?: string;
  /** The last run whose exit command has released what it held (a start waits for it). */
  ReleasedRun?: string;
  /** Restarts done by the restart policy (Docker's RestartCount). */
  RestartCount?: number;
  /** Stopped or killed by a user since the last start: the policy does not apply (Docker's HasBeenManuallyStopped). */
  ManuallyStopped?: boolean;
  /** The last wait before a restart, for the doubling backoff. */
  RestartDelayMs?: number;
  /** While "restarting": the process waiting out the delay (pid and start time), so a dead one is noticed. */
  RestarterPid?: number;
  RestarterStart?: string;
  /** The healthcheck's state (Docker's State.Health) while a healthcheck is configured. */
  Health?: HealthState;
}

/** Docker's types.Health. */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
    OOMKilled: false,
  };
}
