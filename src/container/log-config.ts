// A container's log: Docker's json-file driver and its options. stowage's
// conmon keeps the log (in its own line format, read back by `logs`); what a
// client sees is Docker's LogConfig {Type: "json-file", Config: {...}}, and
// max-size/max-file rotate it as json-file does.
import { invalidArgument } from '../errdefs';
import type { LogConfig } from './types';

export const LOG_DRIVER = 'json-file';

/** json-file's options (moby's jsonfilelog.ValidateLogOpt). */
const JSON_FILE_OPTS = ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];

/** The drivers Docker 20.10 has; stowage keeps json-file logs only. */
const DOCKER_DRIVERS = [
  'none',
  'local',
  'syslog',
  'journald',
  'gelf',
  'fluentd',
  'awslogs',
  'splunk',
  'etwlogs',
  'gcplogs',
  'logentries',
];

/** The create's check: the driver, and the option names (the values are checked at start, as Docker does). */
export function logConfigOf(type: string | undefined, config: Record<string, string> | null | undefined): LogConfig {
  const t = type || LOG_DRIVER;
  if (t !== LOG_DRIVER) {
    if (DOCKER_DRIVERS.includes(t))
      throw invalidArgument(`logging driver ${JSON.stringify(t)} is not supported: stowage keeps json-file logs`);
    throw invalidArgument(`logger: no log driver named '${t}' is registered`);
  }
  const cfg = { ...(config ?? {}) };
  for (const key of Object.keys(cfg))
    if (!JSON_FILE_OPTS.includes(key)) throw invalidArgument(`unknown log opt '${key}' for json-file log driver`);
  return { Type: t, Config: cfg };
}

/** go-units' FromHumanSize (decimal units: 1k = 1000), as json-file reads max-size. */
export function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw invalidArgument(`invalid size: '${s}'`);
  const scale: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  const n = Number(m[1]);
  if (Number.isNaN(n)) throw invalidArgument(`strconv.ParseFloat: parsing ${JSON.stringify(m[1])}: invalid syntax`);
  return Math.trunc(n * scale[(m[2] ?? '').toLowerCase()]);
}

export interface LogRotation {
  /** bytes; undefined: the log grows without bound */
  maxSize?: number;
  /** files kept, the current one included (1: the log is cut when full) */
  maxFiles: number;
}

/** The start's reading of the options (json-file's New): errors as "failed to initialize logging driver: ...". */
export function logRotation(cfg: LogConfig | undefined): LogRotation {
  const c = cfg?.Config ?? {};
  const fail = (msg: string) => invalidArgument(`failed to initialize logging driver: ${msg}`);
  let maxSize: number | undefined;
  if (c['max-size'] !== undefined) {
    try {
      maxSize = fromHumanSize(c['max-size']);
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (maxSize <= 0) throw fail('max-size must be a positive number');
  }
  let maxFiles = 1;
  if (c['max-file'] !== undefined) {
    if (!/^[+-]?\d+$/.test(c['max-file']))
      throw fail(`strconv.Atoi: parsing ${JSON.stringify(c['max-file'])}: invalid syntax`);
    maxFiles = Number(c['max-file']);
    if (maxFiles < 1) throw fail('max-file cannot be less than 1');
  }
  if (c.compress !== undefined) {
    const on = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(c.compress);
    if (!on && !['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(c.compress))
      throw fail(`strconv.ParseBool: parsing ${JSON.stringify(c.compress)}: invalid syntax`);
    if (on && (maxFiles === 1 || maxSize === undefined))
      throw fail('compress cannot be true when max-file is less than 2 or max-size is not set');
    if (on) throw fail('compress is not supported by stowage');
  }
  return { maxSize, maxFiles };
}
