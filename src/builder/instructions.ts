// What each metadata instruction does to the image config, and the text Docker's
// classic builder records for it ("#(nop)  CMD [...]" in history and in the
// container config, which is also the cache key). Pure: no store, no runtime.
import { internal, invalidArgument } from '../errdefs';
import { exposeKeys } from '../image/changes';
import type { ContainerConfig } from '../oci/types';
import { isSignal } from '../runtime/signal';
import { goDuration, parseGoDuration } from '../util/go-duration';
import type { HealthConfig } from '../container/healthcheck';
import type { Instruction } from './dockerfile';
import { expandWord, expandWords, type Vars } from './shell-lex';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Go's %q of a string slice: ["a" "b"]. */
export function goQuoted(words: string[]): string {
  return `[${words.map((w) => JSON.stringify(w)).join(' ')}]`;
}

/** KEY=VALUE pairs of ENV, LABEL and ARG after expansion (or the legacy `KEY VALUE` form). */
export function keyValues(
  inst: Instruction,
  vars: Vars,
  escape: string,
  allowBare = false,
): Array<[string, string | undefined]> {
  const words = expandWords(inst.rest, vars, escape);
  if (words.length === 0) throw invalidArgument(`${inst.name} requires at least one argument`);
  if (!allowBare && !words[0].includes('=')) {
    // legacy form: the first word is the key, the rest of the line (expanded as one word) the value
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(inst.rest);
    if (!m) throw invalidArgument(`${inst.name} names must be followed by a value`);
    return [[expandWord(m[1], vars, escape), expandWord(m[2], vars, escape)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq === 0) throw invalidArgument(`${inst.name} names can not be blank`);
    if (eq < 0) {
      if (allowBare) return [w, undefined];
      throw invalidArgument(`${inst.name} names must be followed by a value`);
    }
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function setEnv(env: string[], key: string, value: string): string[] {
  const i = env.findIndex((e) => e.split('=')[0] === key);
  if (i < 0) return [...env, `${key}=${value}`];
  const out = [...env];
  out[i] = `${key}=${value}`;
  return out;
}

/** The exec form as is, the plain form through the shell. */
function commandOf(inst: Instruction, shell: string[]): string[] {
  return inst.json ?? [...shell, inst.rest];
}

/** HEALTHCHECK NONE | [--interval=D --timeout=D --start-period=D --retries=N] CMD command (buildkit's parseHealthcheck). */
function healthcheck(inst: Instruction): HealthConfig {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(inst.rest);
  if (!m) throw invalidArgument('HEALTHCHECK requires at least one argument');
  const kind = m[1].toUpperCase();
  if (kind === 'NONE') {
    if (m[2].trim()) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  for (const f of Object.keys(inst.flags)) {
    if (!['interval', 'timeout', 'start-period', 'retries'].includes(f)) throw invalidArgument(`Unknown flag: ${f}`);
  }
  if (kind !== 'CMD') throw invalidArgument(`Unknown type ${JSON.stringify(kind)} in HEALTHCHECK (try CMD)`);
  const args = m[2];
  let test: string[];
  try {
    const v: unknown = JSON.parse(args);
    test = Array.isArray(v) && v.every((x) => typeof x === 'string') ? ['CMD', ...v] : ['CMD-SHELL', args];
  } catch {
    // not a JSON array: Docker takes the text as a shell command
    test = ['CMD-SHELL', args];
  }
  if (test.length === 1 || (test[0] === 'CMD-SHELL' && !args.trim()))
    throw invalidArgument('Missing command after HEALTHCHECK CMD');
  const hc: HealthConfig = { Test: test };
  const interval = (flag: string): number => {
    const v = inst.flags[flag];
    if (v === undefined || v === '') return 0;
    let d: number;
    try {
      d = parseGoDuration(v);
    } catch (e) {
      throw invalidArgument((e as Error).message);
    }
    if (d < 1e6) throw invalidArgument(`Interval ${JSON.stringify(flag)} cannot be less than 1ms`);
    return d;
  };
  if (interval('interval')) hc.Interval = interval('interval');
  if (interval('timeout')) hc.Timeout = interval('timeout');
  if (interval('start-period')) hc.StartPeriod = interval('start-period');
  const retries = inst.flags.retries;
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries))
      throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    if (Number(retries) < 1) throw invalidArgument(`--retries must be at least 1 (not ${Number(retries)})`);
    hc.Retries = Number(retries);
  }
  return hc;
}

/** Go's %q of a rune (HEALTHCHECK's Retries shows as one, as Docker prints its struct). */
function goRune(n: number): string {
  if (n >= 0x20 && n < 0x7f && n !== 0x27 && n !== 0x5c) return `'${String.fromCharCode(n)}'`;
  return `'\\x${n.toString(16).padStart(2, '0')}'`;
}

export interface MetadataResult {
  config: ContainerConfig;
  /** The text after "#(nop) " in history and the cache key. */
  message: string;
  /** MAINTAINER sets the image's author. */
  author?: string;
}

/**
 * Applies a metadata instruction (not RUN, COPY, ADD, WORKDIR, FROM, ARG) to a
 * config, with variables expanded where Docker expands them.
 */
export function applyMetadata(
  cfg: ContainerConfig,
  inst: Instruction,
  vars: Vars,
  escape: string,
  cmdSet = false,
): MetadataResult {
  if (inst.name !== 'HEALTHCHECK') for (const f of Object.keys(inst.flags)) throw invalidArgument(`Unknown flag: ${f}`);
  const c: ContainerConfig = { ...cfg };
  const shell = c.Shell?.length ? c.Shell : DEFAULT_SHELL;
  const args = () => expandWords(inst.rest, vars, escape);
  switch (inst.name) {
    case 'CMD':
      c.Cmd = commandOf(inst, shell);
      return { config: c, message: `CMD ${goQuoted(c.Cmd)}` };
    case 'ENTRYPOINT':
      c.Entrypoint = inst.json ?? (inst.rest === '' ? null : [...shell, inst.rest]);
      // an ENTRYPOINT drops a CMD inherited from the base image (not one set in this stage)
      if (!cmdSet) c.Cmd = null;
      return { config: c, message: `ENTRYPOINT ${goQuoted(c.Entrypoint ?? [])}` };
    case 'ENV': {
      const pairs = keyValues(inst, vars, escape);
      for (const [k, v] of pairs) c.Env = setEnv(c.Env ?? [], k, v ?? '');
      return { config: c, message: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'LABEL': {
      const pairs = keyValues(inst, vars, escape);
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) c.Labels[k] = v ?? '';
      return { config: c, message: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'EXPOSE': {
      const ports = args().flatMap((w) => w.split(/\s+/).filter(Boolean)); // a variable may hold several ports
      if (!ports.length) throw invalidArgument('EXPOSE requires at least one argument');
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) for (const k of exposeKeys(p)) c.ExposedPorts[k] = {};
      return { config: c, message: `EXPOSE ${[...ports].sort().join(' ')}` };
    }
    case 'USER': {
      const user = expandWord(inst.rest, vars, escape);
      if (!user) throw invalidArgument('USER requires exactly one argument');
      c.User = user;
      return { config: c, message: `USER ${user}` };
    }
    case 'VOLUME': {
      const vols = inst.json ?? args();
      if (!vols.length) throw invalidArgument('VOLUME requires at least one argument');
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of vols) {
        if (!v.trim()) throw invalidArgument('VOLUME specified can not be an empty string');
        c.Volumes[v] = {};
      }
      return { config: c, message: `VOLUME [${vols.join(' ')}]` };
    }
    case 'STOPSIGNAL': {
      const sig = expandWord(inst.rest, vars, escape);
      if (!isSignal(sig)) throw invalidArgument(`Invalid signal: ${sig}`);
      c.StopSignal = sig;
      return { config: c, message: `STOPSIGNAL ${sig}` };
    }
    case 'ONBUILD': {
      const trigger = inst.rest.trim();
      const first = trigger.split(/\s+/)[0].toUpperCase();
      if (first === 'ONBUILD') throw invalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (first === 'FROM' || first === 'MAINTAINER')
        throw invalidArgument(`${first} isn't allowed as an ONBUILD trigger`);
      c.OnBuild = [...(c.OnBuild ?? []), trigger];
      return { config: c, message: `ONBUILD ${trigger}` };
    }
    case 'MAINTAINER':
      return { config: c, message: `MAINTAINER ${inst.rest}`, author: inst.rest };
    case 'SHELL':
      if (!inst.json?.length) throw invalidArgument('SHELL requires the arguments to be in JSON form');
      c.Shell = inst.json;
      return { config: c, message: `SHELL [${inst.json.join(' ')}]` };
    case 'HEALTHCHECK': {
      const hc = healthcheck(inst);
      c.Healthcheck = hc;
      const text = `&{${goQuoted(hc.Test ?? [])} ${JSON.stringify(goDuration(hc.Interval ?? 0))} ${JSON.stringify(goDuration(hc.Timeout ?? 0))} ${JSON.stringify(goDuration(hc.StartPeriod ?? 0))} ${goRune(hc.Retries ?? 0)}}`;
      return { config: c, message: `HEALTHCHECK ${text}` };
    }
    default:
      throw internal(`not a metadata instruction: ${inst.name}`);
  }
}
