// The flags of `docker create` and `docker run`, and their translation into
// create options (values parsed and checked as the docker CLI does).
import fs from 'node:fs';
import { invalidArgument, cliError } from '../errdefs';
import { parseDnsServer, parseExtraHost, parseUlimit, validateLabel, validateSysctl } from '../container/host-options';
import { parseDevice } from '../container/devices';
import { parseLink } from '../container/links';
import { checkModes } from '../container/namespace-modes';
import { isUserDefinedNetwork } from '../engine/container-create';
import { isNoRestart, parseRestartPolicy } from '../container/restart-policy';
import type { CreateOptions } from '../engine/container-create';
import { given, type FlagDef, type FlagValues } from './flags';
import { parseMountFlag, parseVolumeFlag, type VolumeRequest } from '../volume/specs';
import { parseExpose, parsePublish } from '../network/ports';
import { ramInBytes } from '../util/units';
import { parseGoDuration } from '../util/go-duration';
import { healthFromFlags } from '../container/healthcheck';

export const CREATE_FLAGS = [
  {
    long: 'add-host',
    kind: 'list',
    valueName: 'list',
    help: 'Add a custom host-to-IP mapping (host:ip)',
    parse: parseExtraHost,
  },
  { long: 'cap-add', kind: 'list', help: 'Add Linux capabilities' },
  { long: 'cap-drop', kind: 'list', help: 'Drop Linux capabilities' },
  { long: 'cidfile', kind: 'string', valueName: 'string', help: 'Write the container ID to the file' },
  { long: 'cpu-shares', short: 'c', kind: 'int', help: 'CPU shares (relative weight)' },
  { long: 'cpus', kind: 'string', valueName: 'decimal', help: 'Number of CPUs', parse: parseCpus },
  { long: 'cpuset-cpus', kind: 'string', valueName: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'device', kind: 'list', valueName: 'list', help: 'Add a host device to the container' }, // checked after the flags, as the docker CLI does
  { long: 'dns', kind: 'list', valueName: 'list', help: 'Set custom DNS servers', parse: parseDnsServer },
  { long: 'dns-option', kind: 'list', valueName: 'list', help: 'Set DNS options' },
  { long: 'dns-search', kind: 'list', valueName: 'list', help: 'Set custom DNS search domains' },
  { long: 'entrypoint', kind: 'string', valueName: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
  { long: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  { long: 'expose', kind: 'list', help: 'Expose a port or a range of ports' },
  { long: 'group-add', kind: 'list', valueName: 'list', help: 'Add additional groups to join' },
  { long: 'health-cmd', kind: 'string', valueName: 'string', help: 'Command to run to check health' },
  {
    long: 'health-interval',
    kind: 'string',
    valueName: 'duration',
    help: 'Time between running the check (ms|s|m|h)',
    default: '0s',
    parse: parseGoDuration,
  },
  { long: 'health-retries', kind: 'int', help: 'Consecutive failures needed to report unhealthy' },
  {
    long: 'health-start-period',
    kind: 'string',
    valueName: 'duration',
    help: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)',
    default: '0s',
    parse: parseGoDuration,
  },
  {
    long: 'health-timeout',
    kind: 'string',
    valueName: 'duration',
    help: 'Maximum time to allow one check to run (ms|s|m|h)',
    default: '0s',
    parse: parseGoDuration,
  },
  { long: 'hostname', short: 'h', kind: 'string', valueName: 'string', help: 'Container host name' },
  { long: 'init', kind: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { long: 'ip', kind: 'string', valueName: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { long: 'ip6', kind: 'string', valueName: 'string', help: 'IPv6 address (e.g., 2001:db8::33)' },
  { long: 'ipc', kind: 'string', valueName: 'string', help: 'IPC mode to use' },
  { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { long: 'label', short: 'l', kind: 'list', help: 'Set meta data on a container', parse: validateLabel },
  { long: 'label-file', kind: 'list', valueName: 'list', help: 'Read in a line delimited file of labels' },
  {
    long: 'link',
    kind: 'list',
    valueName: 'list',
    help: 'Add link to another container',
    parse: (v) => parseLink(v) && v,
  },
  { long: 'log-driver', kind: 'string', valueName: 'string', help: 'Logging driver for the container' },
  { long: 'log-opt', kind: 'list', valueName: 'list', help: 'Log driver options' },
  {
    long: 'mac-address',
    kind: 'string',
    valueName: 'string',
    help: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)',
  },
  { long: 'mount', kind: 'list', valueName: 'mount', help: 'Attach a filesystem mount to the container' },
  { long: 'memory', short: 'm', kind: 'string', valueName: 'bytes', help: 'Memory limit', parse: ramInBytes },
  {
    long: 'memory-swap',
    kind: 'string',
    valueName: 'bytes',
    help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    parse: (v) => (v === '-1' ? -1 : ramInBytes(v)),
  },
  { long: 'memory-reservation', kind: 'string', valueName: 'bytes', help: 'Memory soft limit', parse: ramInBytes },
  { long: 'name', kind: 'string', valueName: 'string', help: 'Assign a name to the container' },
  {
    long: 'network',
    kind: 'string',
    valueName: 'network',
    help: 'Connect a container to a network',
    aliases: ['net'],
    default: 'default',
  },
  { long: 'oom-kill-disable', kind: 'bool', help: 'Disable OOM Killer' },
  { long: 'oom-score-adj', kind: 'int', help: "Tune host's OOM preferences (-1000 to 1000)" },
  { long: 'pid', kind: 'string', valueName: 'string', help: 'PID namespace to use' },
  { long: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  {
    long: 'network-alias',
    kind: 'list',
    valueName: 'list',
    help: 'Add network-scoped alias for the container',
    aliases: ['net-alias'],
  },
  { long: 'no-healthcheck', kind: 'bool', help: 'Disable any container-specified HEALTHCHECK' },
  { long: 'platform', kind: 'string', valueName: 'string', help: 'Set platform if server is multi-platform capable' },
  { long: 'privileged', kind: 'bool', help: 'Give extended privileges to this container' },
  { long: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host" },
  { long: 'publish-all', short: 'P', kind: 'bool', help: 'Publish all exposed ports to random ports' },
  { long: 'read-only', kind: 'bool', help: "Mount the container's root filesystem as read only" },
  {
    long: 'restart',
    kind: 'string',
    valueName: 'string',
    help: 'Restart policy to apply when a container exits',
    default: 'no',
  },
  { long: 'rm', kind: 'bool', help: 'Automatically remove the container when it exits' },
  { long: 'runtime', kind: 'string', valueName: 'string', help: 'Runtime to use for this container' },
  { long: 'security-opt', kind: 'list', help: 'Security Options' },
  { long: 'shm-size', kind: 'string', valueName: 'bytes', help: 'Size of /dev/shm', parse: ramInBytes },
  { long: 'stop-signal', kind: 'string', valueName: 'string', help: 'Signal to stop the container' },
  { long: 'stop-timeout', kind: 'int', help: 'Timeout (in seconds) to stop a container' },
  { long: 'sysctl', kind: 'list', valueName: 'map', help: 'Sysctl options (default map[])', parse: validateSysctl },
  { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { long: 'tmpfs', kind: 'list', help: 'Mount a tmpfs directory' },
  { long: 'ulimit', kind: 'list', valueName: 'ulimit', help: 'Ulimit options', parse: parseUlimit },
  {
    long: 'user',
    short: 'u',
    kind: 'string',
    valueName: 'string',
    help: 'Username or UID (format: <name|uid>[:<group|gid>])',
  },
  { long: 'userns', kind: 'string', valueName: 'string', help: 'User namespace to use' },
  { long: 'uts', kind: 'string', valueName: 'string', help: 'UTS namespace to use' },
  { long: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
  { long: 'volumes-from', kind: 'list', valueName: 'list', help: 'Mount volumes from the specified container(s)' },
  { long: 'workdir', short: 'w', kind: 'string', valueName: 'string', help: 'Working directory inside the container' },
] as const satisfies readonly FlagDef[];

/** The values of create's flags (run's too: its own are added to these). */
export type CreateFlagValues = FlagValues<typeof CREATE_FLAGS>;

function parseCpus(v: string): number {
  if (!/^\d*\.?\d+$/.test(v)) throw invalidArgument(`failed to parse ${v} as a rational number`);
  return Number(v);
}

/** docker's opts.ParseEnvFile: KEY=VALUE lines, # comments, a bare KEY taken from our environment. */
export function parseEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // docker's message for a missing file; any read failure (EACCES, EISDIR too) is told as missing
    throw invalidArgument(`open ${file}: no such file or directory`);
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line.trimEnd() : line.slice(0, eq);
    if (key === '' || /\s/.test(key)) throw invalidArgument(`variable '${key}' contains whitespaces`);
    if (eq >= 0) out.push(line);
    else if (process.env[key] !== undefined) out.push(`${key}=${process.env[key]}`);
  }
  return out;
}

/** -e values: KEY=VALUE kept; a bare KEY takes our value, or stays bare (unset in the container). */
export function resolveEnv(values: string[]): string[] {
  return values.map((e) => {
    if (e.startsWith('=')) throw invalidArgument(`invalid environment variable: ${e}`);
    if (e.includes('=')) return e;
    return process.env[e] !== undefined ? `${e}=${process.env[e]}` : e;
  });
}

/** --label-file: KEY=VALUE lines, # comments (the docker CLI's ReadKVStrings). */
export function parseLabelFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // docker's message for a missing file; any read failure (EACCES, EISDIR too) is told as missing
    throw invalidArgument(`open ${file}: no such file or directory`);
  }
  return text
    .split('\n')
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.includes('=') ? l : l.trimEnd()));
}

/** KEY=VALUE values as a map (a bare KEY: an empty value); later ones win. */
function kvMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** --label KEY=VALUE (a bare KEY: an empty value). */
export function parseLabels(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of values) {
    const eq = l.indexOf('=');
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

/** -v, --mount and --tmpfs, in that order. */
export function volumeRequests(flags: CreateFlagValues): VolumeRequest[] {
  return [
    ...flags.volume.map(parseVolumeFlag),
    ...flags.mount.map(parseMountFlag),
    ...flags.tmpfs.map((t) => {
      const [dest, opts] = t.split(/:(.*)/s);
      return { ...parseMountFlag(`type=tmpfs,target=${dest}`), TmpfsOptions: opts ? opts.split(',') : [] };
    }),
  ];
}

/**
 * `seccomp=FILE`: the file's JSON, compacted, takes the file name's place (the docker
 * CLI does the same: the daemon side never reads the caller's files).
 */
function readSeccompProfile(opt: string): string {
  const m = /^seccomp[=:](.*)$/s.exec(opt);
  if (!m || m[1] === 'unconfined') return opt;
  let text: string;
  try {
    text = fs.readFileSync(m[1], 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw invalidArgument(
      `opening seccomp profile (${m[1]}) failed: open ${m[1]}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`,
    );
  }
  try {
    return `seccomp=${JSON.stringify(JSON.parse(text))}`;
  } catch (e) {
    throw invalidArgument(`compacting json for seccomp profile (${m[1]}) failed: ${(e as Error).message}`);
  }
}

/** A check the docker CLI makes itself: its error prints without "Error:" ("docker: <error>"). */
function cliCheck<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw cliError((e as Error).message);
  }
}

export function createOptions(flags: CreateFlagValues, image: string, cmd: string[], runtime: string): CreateOptions {
  const env = [...cliCheck(() => flags['env-file'].flatMap(parseEnvFile)), ...resolveEnv(flags.env)];
  const memory = flags.memory || 0;
  if (memory && memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
  const restartPolicy = parseRestartPolicy(flags.restart);
  if (flags.rm && !isNoRestart(restartPolicy)) {
    throw cliError('conflicting options: cannot specify both --restart and --rm');
  }
  const network = flags.network;
  const published = cliCheck(() => parsePublish(flags.publish));
  const exposed = cliCheck(() => parseExpose(flags.expose, published.exposedPorts));
  const { ipc, pid, uts, userns } = flags;
  cliCheck(() => checkModes({ pid, uts, userns }));
  // --network-alias, --ip and (on a user-defined network) --link are the --network's endpoint settings
  const userDefined = isUserDefinedNetwork(network);
  if (flags['network-alias'].length && !userDefined)
    throw cliError('network-scoped aliases are only supported for user-defined networks');
  const devices = cliCheck(() => flags.device.map(parseDevice));
  const mac = flags['mac-address'];
  // Go's net.ParseMAC for a 48-bit address: the docker CLI's check
  if (mac && !/^[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$/.test(mac))
    throw cliError(`${mac} is not a valid mac address`);
  const healthcheck = cliCheck(() =>
    healthFromFlags({
      cmd: flags['health-cmd'],
      interval: flags['health-interval'],
      timeout: flags['health-timeout'],
      startPeriod: flags['health-start-period'],
      retries: flags['health-retries'],
      none: flags['no-healthcheck'],
    }),
  );
  return {
    image,
    cmd,
    healthcheck,
    name: given(flags, 'name'),
    entrypoint: given(flags, 'entrypoint'),
    env,
    workdir: given(flags, 'workdir'),
    user: given(flags, 'user'),
    hostname: given(flags, 'hostname'),
    macAddress: mac || undefined,
    tty: flags.tty,
    interactive: flags.interactive,
    autoRemove: flags.rm,
    readOnly: flags['read-only'],
    privileged: flags.privileged,
    capAdd: flags['cap-add'],
    capDrop: flags['cap-drop'],
    securityOpt: flags['security-opt'].map(readSeccompProfile),
    memory,
    memorySwap: given(flags, 'memory-swap'),
    cpus: given(flags, 'cpus') ?? 0,
    pidsLimit: given(flags, 'pids-limit'),
    init: flags.init,
    labels: parseLabels([...cliCheck(() => flags['label-file'].flatMap(parseLabelFile)), ...flags.label]),
    runtime: given(flags, 'runtime') ?? runtime,
    networkMode: network === 'default' ? 'default' : network,
    portBindings: network === 'host' ? {} : published.portBindings, // Docker discards them with host networking
    publishAll: flags['publish-all'],
    exposedPorts: exposed,
    mounts: [],
    binds: flags.volume.filter((v) => v.includes(':')),
    stopSignal: given(flags, 'stop-signal'),
    stopTimeout: given(flags, 'stop-timeout'),
    shmSize: given(flags, 'shm-size'),
    restartPolicy,
    extraHosts: flags['add-host'],
    dns: flags.dns,
    dnsSearch: flags['dns-search'],
    dnsOptions: flags['dns-option'],
    ulimits: flags.ulimit,
    containerIdFile: given(flags, 'cidfile'),
    logDriver: given(flags, 'log-driver'),
    logOpts: kvMap(flags['log-opt']),
    volumesFrom: flags['volumes-from'],
    groupAdd: flags['group-add'],
    ipcMode: ipc || undefined,
    pidMode: pid,
    utsMode: uts,
    usernsMode: userns,
    cpuShares: flags['cpu-shares'],
    cpusetCpus: flags['cpuset-cpus'],
    memoryReservation: given(flags, 'memory-reservation'),
    oomKillDisable: flags['oom-kill-disable'],
    oomScoreAdj: flags['oom-score-adj'],
    devices,
    sysctls: kvMap(flags.sysctl),
    links: userDefined ? [] : flags.link,
    endpoint: {
      aliases: flags['network-alias'],
      ipv4Address: given(flags, 'ip'),
      ipv6Address: given(flags, 'ip6'),
      links: userDefined ? flags.link : [],
    },
  };
}
