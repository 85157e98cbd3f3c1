// The flags of `docker create` and `docker run`, and their translation into
// create options (values parsed and checked as the docker CLI does).
import fs from 'node:fs';
import { invalidArgument, cliError } from '../../../errdefs';
import { parseDnsServer, parseExtraHost, parseUlimit, type Ulimit } from '../../../container/host-options';
import { isNoRestart, parseRestartPolicy } from '../../../container/restart-policy';
import type { CreateOptions } from '../../../engine/container-create';
import type { FlagDef, FlagValues } from '../../flags';
import { parseMountFlag, parseVolumeFlag, type VolumeRequest } from '../../../volume/specs';
import { parseExpose, parsePublish } from '../../../network/ports';
import { ramInBytes } from '../../../util/units';

export const CREATE_FLAGS: FlagDef[] = [
  { long: 'add-host', kind: 'list', valueName: 'list', help: 'Add a custom host-to-IP mapping (host:ip)', parse: parseExtraHost },
  { long: 'cap-add', kind: 'list', help: 'Add Linux capabilities' },
  { long: 'cap-drop', kind: 'list', help: 'Drop Linux capabilities' },
  { long: 'cpus', kind: 'string', valueName: 'decimal', help: 'Number of CPUs', parse: parseCpus },
  { long: 'dns', kind: 'list', valueName: 'list', help: 'Set custom DNS servers', parse: parseDnsServer },
  { long: 'dns-option', kind: 'list', valueName: 'list', help: 'Set DNS options' },
  { long: 'dns-search', kind: 'list', valueName: 'list', help: 'Set custom DNS search domains' },
  { long: 'entrypoint', kind: 'string', valueName: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
  { long: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  { long: 'expose', kind: 'list', help: 'Expose a port or a range of ports' },
  { long: 'hostname', short: 'h', kind: 'string', valueName: 'string', help: 'Container host name' },
  { long: 'init', kind: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { long: 'label', short: 'l', kind: 'list', help: 'Set meta data on a container' },
  { long: 'mount', kind: 'list', valueName: 'mount', help: 'Attach a filesystem mount to the container' },
  { long: 'memory', short: 'm', kind: 'string', valueName: 'bytes', help: 'Memory limit', parse: ramInBytes },
  { long: 'memory-swap', kind: 'string', valueName: 'bytes', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", parse: (v) => (v === '-1' ? -1 : ramInBytes(v)) },
  { long: 'name', kind: 'string', valueName: 'string', help: 'Assign a name to the container' },
  { long: 'network', kind: 'string', valueName: 'network', help: 'Connect a container to a network', aliases: ['net'], default: 'default' },
  { long: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { long: 'platform', kind: 'string', valueName: 'string', help: 'Set platform if server is multi-platform capable' },
  { long: 'privileged', kind: 'bool', help: 'Give extended privileges to this container' },
  { long: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host" },
  { long: 'publish-all', short: 'P', kind: 'bool', help: 'Publish all exposed ports to random ports' },
  { long: 'read-only', kind: 'bool', help: "Mount the container's root filesystem as read only" },
  { long: 'restart', kind: 'string', valueName: 'string', help: 'Restart policy to apply when a container exits', default: 'no' },
  { long: 'rm', kind: 'bool', help: 'Automatically remove the container when it exits' },
  { long: 'runtime', kind: 'string', valueName: 'string', help: 'Runtime to use for this container' },
  { long: 'security-opt', kind: 'list', help: 'Security Options' },
  { long: 'shm-size', kind: 'string', valueName: 'bytes', help: 'Size of /dev/shm', parse: ramInBytes },
  { long: 'stop-signal', kind: 'string', valueName: 'string', help: 'Signal to stop the container' },
  { long: 'stop-timeout', kind: 'int', help: 'Timeout (in seconds) to stop a container' },
  { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { long: 'tmpfs', kind: 'list', help: 'Mount a tmpfs directory' },
  { long: 'ulimit', kind: 'list', valueName: 'ulimit', help: 'Ulimit options', parse: parseUlimit },
  { long: 'user', short: 'u', kind: 'string', valueName: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { long: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
  { long: 'workdir', short: 'w', kind: 'string', valueName: 'string', help: 'Working directory inside the container' },
];

function parseCpus(v: string): number {
  if (!/^\d*\.?\d+$/.test(v)) throw new Error(`failed to parse ${v} as a rational number`);
  return Number(v);
}

/** docker's opts.ParseEnvFile: KEY=VALUE lines, # comments, a bare KEY taken from our environment. */
export function parseEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
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
export function volumeRequests(flags: FlagValues): VolumeRequest[] {
  const list = (k: string) => flags[k] as string[];
  return [
    ...list('volume').map(parseVolumeFlag),
    ...list('mount').map(parseMountFlag),
    ...list('tmpfs').map((t) => {
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
    throw invalidArgument(`opening seccomp profile (${m[1]}) failed: open ${m[1]}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
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

export function createOptions(flags: FlagValues, image: string, cmd: string[], runtime: string): CreateOptions {
  const list = (k: string) => flags[k] as string[];
  const set = (k: string) => flags._changed.has(k);
  const env = [...cliCheck(() => list('env-file').flatMap(parseEnvFile)), ...resolveEnv(list('env'))];
  const memory = (flags.memory as number) || 0;
  if (memory && memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
  const restartPolicy = parseRestartPolicy(String(flags.restart));
  if (flags.rm && !isNoRestart(restartPolicy)) {
    throw cliError('conflicting options: cannot specify both --restart and --rm');
  }
  const network = String(flags.network);
  const published = cliCheck(() => parsePublish(list('publish')));
  const exposed = cliCheck(() => parseExpose(list('expose'), published.exposedPorts));
  return {
    image,
    cmd,
    name: set('name') ? String(flags.name) : undefined,
    entrypoint: set('entrypoint') ? String(flags.entrypoint) : undefined,
    env,
    workdir: set('workdir') ? String(flags.workdir) : undefined,
    user: set('user') ? String(flags.user) : undefined,
    hostname: set('hostname') ? String(flags.hostname) : undefined,
    tty: flags.tty as boolean,
    interactive: flags.interactive as boolean,
    autoRemove: flags.rm as boolean,
    readOnly: flags['read-only'] as boolean,
    privileged: flags.privileged as boolean,
    capAdd: list('cap-add'),
    capDrop: list('cap-drop'),
    securityOpt: list('security-opt').map(readSeccompProfile),
    memory,
    memorySwap: set('memory-swap') ? (flags['memory-swap'] as number) : undefined,
    cpus: set('cpus') ? (flags.cpus as number) : 0,
    pidsLimit: set('pids-limit') ? (flags['pids-limit'] as number) : undefined,
    init: flags.init as boolean,
    labels: parseLabels(list('label')),
    runtime: set('runtime') ? String(flags.runtime) : runtime,
    networkMode: network === 'default' ? 'default' : network,
    portBindings: network === 'host' ? {} : published.portBindings, // Docker discards them with host networking
    publishAll: flags['publish-all'] as boolean,
    exposedPorts: exposed,
    mounts: [],
    binds: list('volume').filter((v) => v.includes(':')),
    stopSignal: set('stop-signal') ? String(flags['stop-signal']) : undefined,
    stopTimeout: set('stop-timeout') ? (flags['stop-timeout'] as number) : undefined,
    shmSize: set('shm-size') ? (flags['shm-size'] as number) : undefined,
    restartPolicy,
    extraHosts: list('add-host'),
    dns: list('dns'),
    dnsSearch: list('dns-search'),
    dnsOptions: list('dns-option'),
    ulimits: flags.ulimit as Ulimit[],
  };
}
