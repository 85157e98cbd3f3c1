// A CNI 1.0 runtime: runs plugin binaries with CNI_* in the environment and the
// configuration on stdin (containernetworking/cni SPEC.md, spec-v1.0.0).
//
// - ADD runs a conflist's plugins in order, each getting the previous plugin's
//   result as prevResult; the last result is the attachment's result, which the
//   caller must keep: DEL needs it.
// - DEL runs them in reverse, each getting the final ADD result as prevResult.
// - runtimeConfig holds the capability arguments (portMappings, ips, mac) that a
//   plugin declares in its `capabilities`; `capabilities` itself is removed.
// CHECK is not implemented.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StowageError, notFound } from '../errdefs';
import { inNetworkHost } from './host-netns';

export const CNI_VERSION = '1.0.0';
export const DEFAULT_CNI_PATH = '/usr/lib/cni';

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIpConfig {
  address: string; // "10.66.0.2/16"
  gateway?: string;
  interface?: number;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

/** One plugin of a conflist. */
export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetConfList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
}

/** Capability arguments (CONVENTIONS.md): portMappings, ips, mac, ... */
export type CapabilityArgs = Record<string, unknown>;

export interface RuntimeConf {
  containerId: string;
  /** path of the network namespace; may be '' for DEL when it is gone */
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs */
  args?: Record<string, string>;
  capabilityArgs?: CapabilityArgs;
}

/** A plugin's error result ({code, msg, details}) or a failure to run it. */
export class CniError extends StowageError {
  constructor(
    readonly plugin: string,
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super('internal', `plugin type="${plugin}" failed (${code}): ${msg}${details ? `: ${details}` : ''}`);
  }
}

/** A failed ADD: the error, and the result of the plugins that succeeded before it (for DEL). */
export class CniAddError extends Error {
  constructor(
    readonly error: CniError,
    readonly partial: CniResult | undefined,
  ) {
    super(error.message);
  }
}

export class CniRuntime {
  readonly paths: string[];
  readonly timeoutMs: number;

  constructor(opts: { cniPath?: string | string[]; timeoutMs?: number } = {}) {
    const p = opts.cniPath ?? DEFAULT_CNI_PATH;
    this.paths = Array.isArray(p) ? p : p.split(':').filter(Boolean);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Finds a plugin executable on the CNI path. */
  find(type: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(type)) throw notFound(`invalid CNI plugin name ${JSON.stringify(type)}`);
    for (const dir of this.paths) {
      const file = path.join(dir, type);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        /* next */
      }
    }
    throw notFound(`failed to find plugin "${type}" in path [${this.paths.join(' ')}]`);
  }

  /** Runs one plugin; resolves with its parsed stdout (null when empty, as DEL prints nothing). */
  exec(command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION', conf: Record<string, unknown>, rt: RuntimeConf): Promise<unknown> {
    const type = String(conf.type);
    const file = this.find(type);
    const env: Record<string, string> = {
      PATH: withSbin(process.env.PATH),
      CNI_COMMAND: command,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: rt.netns,
      CNI_IFNAME: rt.ifname,
      CNI_PATH: this.paths.join(':'),
    };
    if (rt.args && Object.keys(rt.args).length > 0) {
      env.CNI_ARGS = Object.entries(rt.args)
        .map(([k, v]) => `${k}=${v}`)
        .join(';');
    }
    return new Promise((resolve, reject) => {
      const child = spawn(...inNetworkHost(file, []), { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new CniError(type, 0, `failed to run ${file}`, e.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8').trim();
        const stderr = Buffer.concat(err).toString('utf8').trim();
        if (code === 0) {
          try {
            resolve(stdout === '' ? null : JSON.parse(stdout));
          } catch {
            // the parse error itself says nothing more; the plugin output goes into the CniError
            reject(new CniError(type, 0, 'invalid JSON result', stdout.slice(0, 500)));
          }
          return;
        }
        let parsed: { code?: number; msg?: string; details?: string } | undefined;
        try {
          parsed = stdout ? (JSON.parse(stdout) as typeof parsed) : undefined;
        } catch {
          /* not JSON */
        }
        const msg = parsed?.msg ?? (stderr || (signal ? `killed by ${signal}` : `exit status ${code}`));
        reject(new CniError(type, parsed?.code ?? 0, msg, parsed?.details));
      });
      child.stdin.on('error', () => {});
      child.stdin.end(JSON.stringify(conf));
    });
  }

  /**
   * ADD for a whole list. onResult sees each plugin's result as it comes (store it: a
   * crash mid-chain then still leaves what DEL needs). Throws CniAddError carrying the
   * partial result.
   */
  async addList(list: NetConfList, rt: RuntimeConf, onResult?: (partial: CniResult) => unknown): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (const plugin of list.plugins) {
      try {
        prev = (await this.exec('ADD', pluginConf(list, plugin, rt.capabilityArgs, prev), rt)) as CniResult;
      } catch (err) {
        throw new CniAddError(err as CniError, prev);
      }
      await onResult?.(prev);
    }
    if (!prev) throw new CniAddError(new CniError('', 0, 'empty plugin list'), undefined);
    return prev;
  }

  /**
   * DEL for a whole list, in reverse, with the final ADD result as prevResult.
   * Unlike the spec's "halt on error", every plugin is called so that one failure
   * does not leave the others' state behind; the first error is thrown at the end.
   */
  async delList(list: NetConfList, rt: RuntimeConf, prevResult?: CniResult): Promise<void> {
    let first: unknown;
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await this.exec('DEL', pluginConf(list, plugin, rt.capabilityArgs, prevResult), rt);
      } catch (err) {
        first ??= err;
      }
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, rethrown as it came
    if (first !== undefined) throw first;
  }
}

/** The execution configuration of one plugin (SPEC "Deriving execution configuration"). */
export function pluginConf(
  list: NetConfList,
  plugin: PluginConf,
  capabilityArgs: CapabilityArgs = {},
  prevResult?: CniResult,
): Record<string, unknown> {
  const { capabilities, ...rest } = plugin;
  const conf: Record<string, unknown> = { ...rest, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(capabilities ?? {})) {
    if (on && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  if (prevResult) conf.prevResult = prevResult;
  return conf;
}

function withSbin(p: string | undefined): string {
  const parts = (p ?? '/usr/local/bin:/usr/bin:/bin').split(':');
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!parts.includes(d)) parts.push(d);
  return parts.join(':');
}
