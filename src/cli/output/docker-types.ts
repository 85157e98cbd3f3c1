// The Go types the docker CLI (28) decodes inspect responses into, fields in
// declaration order, so that templates print structs as it does. Checked
// against what the docker CLI printed for a dockerd 20.10's objects (the
// expectations in template.test.ts). Only shapes matter here: names, JSON
// keys, order and kinds.
import {
  ANY,
  array,
  BOOL,
  EMPTY,
  embed,
  INT,
  map,
  ptr,
  slice,
  STRING,
  STRING_MAP,
  STRINGS,
  struct,
  TIME,
  type GoType,
} from './gotype';

const PORT_SET = map(EMPTY);
const HEALTHCHECK = struct(
  ['Test', STRINGS],
  ['Interval', INT],
  ['Timeout', INT],
  ['StartPeriod', INT],
  ['StartInterval', INT],
  ['Retries', INT],
);

/** container.Config (a container's Config, and an image's deprecated ContainerConfig) */
const CONTAINER_CONFIG = struct(
  ['Hostname', STRING],
  ['Domainname', STRING],
  ['User', STRING],
  ['AttachStdin', BOOL],
  ['AttachStdout', BOOL],
  ['AttachStderr', BOOL],
  ['ExposedPorts', PORT_SET],
  ['Tty', BOOL],
  ['OpenStdin', BOOL],
  ['StdinOnce', BOOL],
  ['Env', STRINGS],
  ['Cmd', STRINGS],
  ['Healthcheck', ptr(HEALTHCHECK)],
  ['ArgsEscaped', BOOL],
  ['Image', STRING],
  ['Volumes', PORT_SET],
  ['WorkingDir', STRING],
  ['Entrypoint', STRINGS],
  ['NetworkDisabled', BOOL],
  ['MacAddress', STRING],
  ['OnBuild', STRINGS],
  ['Labels', STRING_MAP],
  ['StopSignal', STRING],
  ['StopTimeout', ptr(INT)],
  ['Shell', STRINGS],
);

const GRAPH_DRIVER = struct(['Data', STRING_MAP], ['Name', STRING]);

/** image.InspectResponse; Config is the OCI image config plus Docker's extensions */
export const IMAGE_INSPECT: GoType = struct(
  ['ID', STRING, 'Id'],
  ['RepoTags', STRINGS],
  ['RepoDigests', STRINGS],
  ['Parent', STRING],
  ['Comment', STRING],
  ['Created', STRING],
  ['Container', STRING],
  ['ContainerConfig', ptr(CONTAINER_CONFIG)],
  ['DockerVersion', STRING],
  ['Author', STRING],
  [
    'Config',
    ptr(
      struct(
        embed(
          'ImageConfig',
          struct(
            ['User', STRING],
            ['ExposedPorts', PORT_SET],
            ['Env', STRINGS],
            ['Entrypoint', STRINGS],
            ['Cmd', STRINGS],
            ['Volumes', PORT_SET],
            ['WorkingDir', STRING],
            ['Labels', STRING_MAP],
            ['StopSignal', STRING],
            ['ArgsEscaped', BOOL],
          ),
        ),
        embed(
          'DockerOCIImageConfigExt',
          struct(['Healthcheck', ptr(HEALTHCHECK)], ['OnBuild', STRINGS], ['Shell', STRINGS]),
        ),
      ),
    ),
  ],
  ['Architecture', STRING],
  ['Variant', STRING],
  ['Os', STRING],
  ['OsVersion', STRING],
  ['Size', INT],
  ['VirtualSize', INT],
  ['GraphDriver', GRAPH_DRIVER],
  ['RootFS', struct(['Type', STRING], ['Layers', STRINGS])],
  ['Metadata', struct(['LastTagTime', TIME])],
  ['Descriptor', ptr(ANY)],
  ['Manifests', slice(ANY)],
);

const PORT_MAP = map(slice(struct(['HostIP', STRING, 'HostIp'], ['HostPort', STRING])));
const DEVICE_LIST = slice(ptr(ANY));

const RESOURCES = struct(
  ['CPUShares', INT, 'CpuShares'],
  ['Memory', INT],
  ['NanoCPUs', INT, 'NanoCpus'],
  ['CgroupParent', STRING],
  ['BlkioWeight', INT],
  ['BlkioWeightDevice', DEVICE_LIST],
  ['BlkioDeviceReadBps', DEVICE_LIST],
  ['BlkioDeviceWriteBps', DEVICE_LIST],
  ['BlkioDeviceReadIOps', DEVICE_LIST],
  ['BlkioDeviceWriteIOps', DEVICE_LIST],
  ['CPUPeriod', INT, 'CpuPeriod'],
  ['CPUQuota', INT, 'CpuQuota'],
  ['CPURealtimePeriod', INT, 'CpuRealtimePeriod'],
  ['CPURealtimeRuntime', INT, 'CpuRealtimeRuntime'],
  ['CpusetCpus', STRING],
  ['CpusetMems', STRING],
  ['Devices', slice(struct(['PathOnHost', STRING], ['PathInContainer', STRING], ['CgroupPermissions', STRING]))],
  ['DeviceCgroupRules', STRINGS],
  ['DeviceRequests', slice(ANY)],
  ['KernelMemory', INT],
  ['KernelMemoryTCP', INT],
  ['MemoryReservation', INT],
  ['MemorySwap', INT],
  ['MemorySwappiness', ptr(INT)],
  ['OomKillDisable', ptr(BOOL)],
  ['PidsLimit', ptr(INT)],
  ['Ulimits', slice(ptr(struct(['Name', STRING], ['Hard', INT], ['Soft', INT])))],
  ['CPUCount', INT, 'CpuCount'],
  ['CPUPercent', INT, 'CpuPercent'],
  ['IOMaximumIOps', INT],
  ['IOMaximumBandwidth', INT],
);

const HOST_CONFIG = struct(
  ['Binds', STRINGS],
  ['ContainerIDFile', STRING],
  ['LogConfig', struct(['Type', STRING], ['Config', STRING_MAP])],
  ['NetworkMode', STRING],
  ['PortBindings', PORT_MAP],
  ['RestartPolicy', struct(['Name', STRING], ['MaximumRetryCount', INT])],
  ['AutoRemove', BOOL],
  ['VolumeDriver', STRING],
  ['VolumesFrom', STRINGS],
  ['ConsoleSize', array(INT, 2)],
  ['Annotations', STRING_MAP],
  ['CapAdd', STRINGS],
  ['CapDrop', STRINGS],
  ['CgroupnsMode', STRING],
  ['DNS', STRINGS, 'Dns'],
  ['DNSOptions', STRINGS, 'DnsOptions'],
  ['DNSSearch', STRINGS, 'DnsSearch'],
  ['ExtraHosts', STRINGS],
  ['GroupAdd', STRINGS],
  ['IpcMode', STRING],
  ['Cgroup', STRING],
  ['Links', STRINGS],
  ['OomScoreAdj', INT],
  ['PidMode', STRING],
  ['Privileged', BOOL],
  ['PublishAllPorts', BOOL],
  ['ReadonlyRootfs', BOOL],
  ['SecurityOpt', STRINGS],
  ['StorageOpt', STRING_MAP],
  ['Tmpfs', STRING_MAP],
  ['UTSMode', STRING],
  ['UsernsMode', STRING],
  ['ShmSize', INT],
  ['Sysctls', STRING_MAP],
  ['Runtime', STRING],
  ['Isolation', STRING],
  embed('Resources', RESOURCES),
  ['Mounts', slice(ANY)],
  ['MaskedPaths', STRINGS],
  ['ReadonlyPaths', STRINGS],
  ['Init', ptr(BOOL)],
);

const ENDPOINT_SETTINGS = struct(
  ['IPAMConfig', ptr(struct(['IPv4Address', STRING], ['IPv6Address', STRING], ['LinkLocalIPs', STRINGS]))],
  ['Links', STRINGS],
  ['Aliases', STRINGS],
  ['MacAddress', STRING],
  ['DriverOpts', STRING_MAP],
  ['GwPriority', INT],
  ['NetworkID', STRING],
  ['EndpointID', STRING],
  ['Gateway', STRING],
  ['IPAddress', STRING],
  ['IPPrefixLen', INT],
  ['IPv6Gateway', STRING],
  ['GlobalIPv6Address', STRING],
  ['GlobalIPv6PrefixLen', INT],
  ['DNSNames', STRINGS],
);

const NETWORK_SETTINGS = struct(
  embed(
    'NetworkSettingsBase',
    struct(
      ['Bridge', STRING],
      ['SandboxID', STRING],
      ['SandboxKey', STRING],
      ['Ports', PORT_MAP],
      ['HairpinMode', BOOL],
      ['LinkLocalIPv6Address', STRING],
      ['LinkLocalIPv6PrefixLen', INT],
      ['SecondaryIPAddresses', slice(ANY)],
      ['SecondaryIPv6Addresses', slice(ANY)],
    ),
  ),
  embed(
    'DefaultNetworkSettings',
    struct(
      ['EndpointID', STRING],
      ['Gateway', STRING],
      ['GlobalIPv6Address', STRING],
      ['GlobalIPv6PrefixLen', INT],
      ['IPAddress', STRING],
      ['IPPrefixLen', INT],
      ['IPv6Gateway', STRING],
      ['MacAddress', STRING],
    ),
  ),
  ['Networks', map(ptr(ENDPOINT_SETTINGS))],
);

const STATE = struct(
  ['Status', STRING],
  ['Running', BOOL],
  ['Paused', BOOL],
  ['Restarting', BOOL],
  ['OOMKilled', BOOL],
  ['Dead', BOOL],
  ['Pid', INT],
  ['ExitCode', INT],
  ['Error', STRING],
  ['StartedAt', STRING],
  ['FinishedAt', STRING],
  [
    'Health',
    ptr(
      struct(
        ['Status', STRING],
        ['FailingStreak', INT],
        ['Log', slice(ptr(struct(['Start', TIME], ['End', TIME], ['ExitCode', INT], ['Output', STRING])))],
      ),
    ),
  ],
);

const MOUNT_POINT = struct(
  ['Type', STRING],
  ['Name', STRING],
  ['Source', STRING],
  ['Destination', STRING],
  ['Driver', STRING],
  ['Mode', STRING],
  ['RW', BOOL],
  ['Propagation', STRING],
);

/** container.InspectResponse: ContainerJSONBase is embedded through a pointer */
export const CONTAINER_INSPECT: GoType = struct(
  embed(
    'ContainerJSONBase',
    ptr(
      struct(
        ['ID', STRING, 'Id'],
        ['Created', STRING],
        ['Path', STRING],
        ['Args', STRINGS],
        ['State', ptr(STATE)],
        ['Image', STRING],
        ['ResolvConfPath', STRING],
        ['HostnamePath', STRING],
        ['HostsPath', STRING],
        ['LogPath', STRING],
        ['Name', STRING],
        ['RestartCount', INT],
        ['Driver', STRING],
        ['Platform', STRING],
        ['MountLabel', STRING],
        ['ProcessLabel', STRING],
        ['AppArmorProfile', STRING],
        ['ExecIDs', STRINGS],
        ['HostConfig', ptr(HOST_CONFIG)],
        ['GraphDriver', GRAPH_DRIVER],
        ['SizeRw', ptr(INT)],
        ['SizeRootFs', ptr(INT)],
      ),
    ),
  ),
  ['Mounts', slice(MOUNT_POINT)],
  ['Config', ptr(CONTAINER_CONFIG)],
  ['NetworkSettings', ptr(NETWORK_SETTINGS)],
  ['ImageManifestDescriptor', ptr(ANY)],
);

/** volume.Volume */
export const VOLUME_INSPECT: GoType = struct(
  ['ClusterVolume', ptr(ANY)],
  ['CreatedAt', STRING],
  ['Driver', STRING],
  ['Labels', STRING_MAP],
  ['Mountpoint', STRING],
  ['Name', STRING],
  ['Options', STRING_MAP],
  ['Scope', STRING],
  ['Status', map(ANY)],
  ['UsageData', ptr(struct(['RefCount', INT], ['Size', INT]))],
);

/** network.Inspect */
export const NETWORK_INSPECT: GoType = struct(
  ['Name', STRING],
  ['ID', STRING, 'Id'],
  ['Created', TIME],
  ['Scope', STRING],
  ['Driver', STRING],
  ['EnableIPv4', BOOL],
  ['EnableIPv6', BOOL],
  [
    'IPAM',
    struct(
      ['Driver', STRING],
      ['Options', STRING_MAP],
      [
        'Config',
        slice(struct(['Subnet', STRING], ['IPRange', STRING], ['Gateway', STRING], ['AuxAddress', STRING_MAP])),
      ],
    ),
  ],
  ['Internal', BOOL],
  ['Attachable', BOOL],
  ['Ingress', BOOL],
  ['ConfigFrom', struct(['Network', STRING])],
  ['ConfigOnly', BOOL],
  [
    'Containers',
    map(
      struct(
        ['Name', STRING],
        ['EndpointID', STRING],
        ['MacAddress', STRING],
        ['IPv4Address', STRING],
        ['IPv6Address', STRING],
      ),
    ),
  ],
  ['Options', STRING_MAP],
  ['Labels', STRING_MAP],
  ['Peers', slice(ANY)],
  ['Services', map(ANY)],
);
