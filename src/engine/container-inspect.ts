// The Engine API's ContainerJSON shape (Docker 20.10's field order).
import path from 'node:path';
import { NO_RESTART } from '../container/restart-policy';
import { LOG_DRIVER } from '../container/log-config';
import { connectedNetworks } from '../container/namespace-modes';
import type { Container } from '../container/store';
import { fullContainerConfig } from '../image/config-json';
import type { ContainerHost } from './container-host';
import { overlayGraphDriver, type GraphLayers } from './image-inspect';
import { containerPorts } from './container-ports';
import { netnsPath } from '../network/netns-paths';
import type { ImageRecords } from '../image/records';

/** What inspect reads of the store: the layers under the container, its image's size, the run root. */
export interface InspectStore {
  readonly runroot: string;
  readonly layers: GraphLayers;
  readonly images: Pick<ImageRecords, 'get'>;
}

/** What inspect reads of the container service: records, where a container's files are, its writable layer's size. */
export type InspectedContainers = Pick<ContainerHost, 'records' | 'containerDir' | 'rootfs' | 'paths'> & {
  upperSize(id: string): number;
};

export function containerInspect(
  store: InspectStore,
  svc: InspectedContainers,
  c: Container,
  withSize = false,
): Record<string, unknown> {
  const { record: r, state: s } = c;
  const dir = svc.containerDir(r.id);
  const rootfs = svc.rootfs(r.id);
  const running = s.Status === 'running' || s.Status === 'paused';
  const hc = r.hostConfig;
  const out: Record<string, unknown> = {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: s.Status,
      Running: running || s.Status === 'restarting', // as Docker's: running while it waits to restart
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: running ? s.Pid : 0,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
      ...(s.Health ? { Health: s.Health } : {}),
    },
    Image: r.imageId,
    ResolvConfPath: path.join(dir, 'resolv.conf'),
    HostnamePath: path.join(dir, 'hostname'),
    HostsPath: path.join(dir, 'hosts'),
    LogPath: svc.paths(r.id).logPath,
    Name: `/${r.name}`,
    RestartCount: s.RestartCount ?? 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      Binds: hc.Binds,
      ContainerIDFile: hc.ContainerIDFile ?? '',
      LogConfig: hc.LogConfig ?? { Type: LOG_DRIVER, Config: {} },
      NetworkMode: hc.NetworkMode,
      PortBindings: hc.PortBindings,
      RestartPolicy: hc.RestartPolicy ?? NO_RESTART,
      AutoRemove: hc.AutoRemove,
      VolumeDriver: '',
      VolumesFrom: hc.VolumesFrom ?? null,
      CapAdd: hc.CapAdd,
      CapDrop: hc.CapDrop,
      CgroupnsMode: 'host',
      Dns: hc.Dns ?? [],
      DnsOptions: hc.DnsOptions ?? [],
      DnsSearch: hc.DnsSearch ?? [],
      ExtraHosts: hc.ExtraHosts ?? null,
      GroupAdd: hc.GroupAdd ?? null,
      IpcMode: hc.IpcMode || 'private',
      Cgroup: '',
      Links: legacyLinks(svc, c),
      OomScoreAdj: hc.OomScoreAdj ?? 0,
      PidMode: hc.PidMode ?? '',
      Privileged: hc.Privileged,
      PublishAllPorts: hc.PublishAllPorts,
      ReadonlyRootfs: hc.ReadonlyRootfs,
      SecurityOpt: hc.SecurityOpt,
      UTSMode: hc.UTSMode ?? '',
      UsernsMode: hc.UsernsMode ?? '',
      ShmSize: hc.ShmSize,
      Runtime: hc.Runtime,
      ConsoleSize: [0, 0],
      Isolation: hc.Isolation ?? '',
      CpuShares: hc.CpuShares ?? 0,
      Memory: hc.Memory,
      NanoCpus: hc.NanoCpus,
      CgroupParent: '',
      BlkioWeight: 0,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpusetCpus: hc.CpusetCpus ?? '',
      CpusetMems: '',
      Devices: hc.Devices ?? [],
      DeviceCgroupRules: hc.DeviceCgroupRules ?? null,
      KernelMemory: 0,
      MemoryReservation: hc.MemoryReservation ?? 0,
      MemorySwap: hc.MemorySwap,
      MemorySwappiness: null,
      OomKillDisable: hc.OomKillDisable ?? false,
      PidsLimit: hc.PidsLimit,
      Ulimits: hc.Ulimits ?? null,
      Init: hc.Init,
      MaskedPaths: hc.Privileged ? null : undefined,
      Tmpfs: hc.Tmpfs,
      Sysctls: hc.Sysctls,
    },
    GraphDriver: overlayGraphDriver(store.layers, r.topLayer, {
      upper: rootfs.upper,
      work: rootfs.work,
      merged: rootfs.merged,
      init: rootfs.init,
    }),
  };
  if (withSize) {
    out.SizeRw = svc.upperSize(r.id);
    out.SizeRootFs = (out.SizeRw as number) + (store.images.get(r.imageId)?.size ?? 0);
  }
  out.Mounts = r.mounts.map((m) => ({
    Type: m.Type,
    Name: m.Name,
    Source: m.Source,
    Destination: m.Destination,
    Driver: m.Driver,
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
  out.Config = withStopTimeout(
    withMacAddress({ ...fullContainerConfig(r.config), Image: r.imageRef }, r.config.MacAddress),
    r.config.StopTimeout,
  );
  out.NetworkSettings = networkSettings(c, store.runroot);
  return out;
}

/** Config.MacAddress (containers only, when given) before OnBuild, where Docker's container.Config has it. */
function withMacAddress(config: Record<string, unknown>, mac: string | undefined): Record<string, unknown> {
  if (!mac) return config;
  return Object.fromEntries(
    Object.entries(config).flatMap(([k, v]) =>
      k === 'OnBuild' ? [['MacAddress', mac] as [string, unknown], [k, v]] : [[k, v] as [string, unknown]],
    ),
  );
}

/** Config.StopTimeout (containers only, not images) in its place after StopSignal, as Docker orders it. */
function withStopTimeout(config: Record<string, unknown>, timeout: number | undefined): Record<string, unknown> {
  if (timeout === undefined || timeout === null) return config;
  const { Shell, ...rest } = config;
  return { ...rest, StopTimeout: timeout, ...(Shell !== undefined ? { Shell } : {}) };
}

/** HostConfig.Links as Docker shows them: "/child:/parent/alias", by the containers' current names. */
function legacyLinks(svc: InspectedContainers, c: Container): string[] | null {
  const links = (c.record.links ?? []).flatMap((l) => {
    const child = svc.records.get(l.id);
    return child ? [`/${child.record.name}:/${c.record.name}/${l.alias}`] : [];
  });
  return links.length ? links : null;
}

function networkSettings(c: Container, runroot: string): Record<string, unknown> {
  const eps = c.state.Networks ?? {};
  const primary = Object.values(eps)[0];
  const running = c.state.Status === 'running' || c.state.Status === 'paused';
  const ports = containerPorts(c);
  return {
    Bridge: '',
    SandboxID: running ? c.record.id : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: ports,
    SandboxKey: running && Object.keys(eps).length ? netnsPath(runroot, c.record.id) : '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: primary?.EndpointID ?? '',
    Gateway: primary?.Gateway ?? '',
    GlobalIPv6Address: primary?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: primary?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: primary?.IPAddress ?? '',
    IPPrefixLen: primary?.IPPrefixLen ?? 0,
    IPv6Gateway: primary?.IPv6Gateway ?? '',
    MacAddress: primary?.MacAddress ?? '',
    Networks: Object.fromEntries(
      [...new Set([...connectedNetworks(c.record), ...Object.keys(eps)])].map((name) => {
        const e = eps[name];
        const a = c.record.networks[name];
        // Docker's: the configured aliases, and the short ID while it runs on a user-defined network
        const aliases = name === 'bridge' ? [] : [...(a?.aliases ?? []), ...(e ? [c.record.id.slice(0, 12)] : [])];
        return [
          name,
          {
            IPAMConfig:
              a?.ipv4Address || a?.ipv6Address || a?.linkLocalIps?.length
                ? {
                    ...(a.ipv4Address ? { IPv4Address: a.ipv4Address } : {}),
                    ...(a.ipv6Address ? { IPv6Address: a.ipv6Address } : {}),
                    ...(a.linkLocalIps?.length ? { LinkLocalIPs: a.linkLocalIps } : {}),
                  }
                : null,
            Links: a?.links?.length ? a.links : null,
            Aliases: aliases.length ? aliases : null,
            NetworkID: e?.NetworkID ?? '',
            EndpointID: e?.EndpointID ?? '',
            Gateway: e?.Gateway ?? '',
            IPAddress: e?.IPAddress ?? '',
            IPPrefixLen: e?.IPPrefixLen ?? 0,
            IPv6Gateway: e?.IPv6Gateway ?? '',
            GlobalIPv6Address: e?.GlobalIPv6Address ?? '',
            GlobalIPv6PrefixLen: e?.GlobalIPv6PrefixLen ?? 0,
            MacAddress: e?.MacAddress ?? '',
            DriverOpts: a?.driverOpts ?? null,
          },
        ];
      }),
    ),
  };
}
