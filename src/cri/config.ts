// The CRI service's configuration: a TOML (or, by its .json name, JSON) file,
// `--config FILE`, else $STOWAGE_CRI_CONFIG, else /etc/stowage/cri.toml when it
// exists. Every key is optional; the defaults work on a machine set up by
// scripts/setup.sh. Unknown keys are refused, so a typo never goes unnoticed.
//
//   socket = "unix:///run/stowage/cri.sock"
//   sandbox_image = ""                  # "" = the host's catatonit -P, no image
//   cgroup_parent = "/stowage-cri"      # for pods whose config names none
//   [cni]
//   bin_dirs = ["/usr/lib/cni"]
//   network = "stowage-cri"             # the stowage bridge network pods join
//   subnet = ""                         # "" = the next free /24 when it is created
//   [registry.mirrors]
//   "registry.k8s.io" = ["127.0.0.1:5000"]   # tried in order before the registry itself
//   [streaming]
//   address = "127.0.0.1"
//   port = 0                            # 0 = any free port
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { errnoCode, invalidArgument } from '../errdefs';

export const DEFAULT_CONFIG_FILE = '/etc/stowage/cri.toml';

export interface CriConfig {
  /** unix socket path the gRPC services listen on */
  socket: string;
  /** image whose entrypoint is the pause process; '' = the host's catatonit */
  sandboxImage: string;
  /** the pause command when there is no sandbox image */
  pauseCommand: string[];
  cgroupParent: string;
  cni: { binDirs: string[]; network: string; subnet: string };
  /** registry host (as in image names) -> mirror locations (host[:port][/path]) */
  mirrors: Record<string, string[]>;
  streaming: { address: string; port: number };
  /** where the configuration came from ('' = defaults only) */
  file: string;
}

export function defaultCriConfig(runroot: string): CriConfig {
  return {
    socket: path.join(runroot, 'cri.sock'),
    sandboxImage: '',
    pauseCommand: ['/usr/bin/catatonit', '-P'],
    cgroupParent: '/stowage-cri',
    cni: { binDirs: ['/usr/lib/cni'], network: 'stowage-cri', subnet: '' },
    mirrors: {},
    streaming: { address: '127.0.0.1', port: 0 },
    file: '',
  };
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

function take(t: Table, where: string, allowed: string[]): void {
  for (const k of Object.keys(t)) {
    if (!allowed.includes(k))
      throw invalidArgument(`${where}: unknown key ${JSON.stringify(k)} (known: ${allowed.join(', ')})`);
  }
}

function str(t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidArgument(`${where}: ${key} must be a string`);
  return v;
}

function strList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidArgument(`${what} must be a list of strings`);
  return v as string[];
}

/** A unix:// URI or an absolute path, as the socket's path. */
export function socketPath(uri: string): string {
  const p = uri.replace(/^unix:\/\//, '');
  if ((uri.includes('://') && !uri.startsWith('unix://')) || !path.isAbsolute(p))
    throw invalidArgument(`only unix sockets are served: ${uri}`);
  return p;
}

/** Parses a configuration file's text (JSON when its name ends in .json, TOML otherwise). */
export function parseCriConfig(text: string, file: string, base: CriConfig): CriConfig {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseToml(text);
  } catch (e) {
    throw invalidArgument(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isTable(doc)) throw invalidArgument(`${file}: not a table`);
  take(doc, file, ['socket', 'sandbox_image', 'cgroup_parent', 'cni', 'registry', 'streaming']);
  const cfg: CriConfig = {
    ...base,
    cni: { ...base.cni },
    mirrors: { ...base.mirrors },
    streaming: { ...base.streaming },
    file,
  };
  const socket = str(doc, 'socket', file);
  if (socket !== undefined) cfg.socket = socketPath(socket);
  cfg.sandboxImage = str(doc, 'sandbox_image', file) ?? cfg.sandboxImage;
  const parent = str(doc, 'cgroup_parent', file);
  if (parent !== undefined) {
    if (!parent.startsWith('/')) throw invalidArgument(`${file}: cgroup_parent must be an absolute cgroup path`);
    cfg.cgroupParent = parent;
  }
  if (doc.cni !== undefined) {
    if (!isTable(doc.cni)) throw invalidArgument(`${file}: [cni] must be a table`);
    take(doc.cni, `${file} [cni]`, ['bin_dirs', 'network', 'subnet']);
    if (doc.cni.bin_dirs !== undefined) cfg.cni.binDirs = strList(doc.cni.bin_dirs, `${file}: cni.bin_dirs`);
    cfg.cni.network = str(doc.cni, 'network', `${file} [cni]`) ?? cfg.cni.network;
    cfg.cni.subnet = str(doc.cni, 'subnet', `${file} [cni]`) ?? cfg.cni.subnet;
    if (!cfg.cni.network) throw invalidArgument(`${file}: cni.network must name a network`);
  }
  if (doc.registry !== undefined) {
    if (!isTable(doc.registry)) throw invalidArgument(`${file}: [registry] must be a table`);
    take(doc.registry, `${file} [registry]`, ['mirrors']);
    const mirrors = doc.registry.mirrors ?? {};
    if (!isTable(mirrors)) throw invalidArgument(`${file}: [registry.mirrors] must be a table`);
    for (const [host, list] of Object.entries(mirrors)) {
      const locations = strList(list, `${file}: registry.mirrors.${JSON.stringify(host)}`);
      for (const l of locations) {
        if (l.includes('://'))
          throw invalidArgument(`${file}: mirror ${JSON.stringify(l)}: a location has no scheme (host[:port][/path])`);
      }
      cfg.mirrors[host] = locations.map((l) => l.replace(/\/+$/, ''));
    }
  }
  if (doc.streaming !== undefined) {
    if (!isTable(doc.streaming)) throw invalidArgument(`${file}: [streaming] must be a table`);
    take(doc.streaming, `${file} [streaming]`, ['address', 'port']);
    cfg.streaming.address = str(doc.streaming, 'address', `${file} [streaming]`) ?? cfg.streaming.address;
    const port = doc.streaming.port;
    if (port !== undefined) {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw invalidArgument(`${file}: streaming.port must be a port number (0 = any)`);
      }
      cfg.streaming.port = port;
    }
  }
  return cfg;
}

/**
 * The configuration: `file` if given (it must exist), else $STOWAGE_CRI_CONFIG,
 * else /etc/stowage/cri.toml if it exists, else the defaults.
 */
export function loadCriConfig(runroot: string, file?: string, env: NodeJS.ProcessEnv = process.env): CriConfig {
  const base = defaultCriConfig(runroot);
  const explicit = file || env.STOWAGE_CRI_CONFIG;
  const chosen = explicit || DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = fs.readFileSync(chosen, 'utf8');
  } catch (e) {
    if (!explicit && errnoCode(e) === 'ENOENT') return base;
    throw invalidArgument(`cannot read the CRI configuration ${chosen}: ${(e as Error).message}`);
  }
  return parseCriConfig(text, chosen, base);
}
