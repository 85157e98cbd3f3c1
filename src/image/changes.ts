// Dockerfile instructions applied to an image config: `import -c`, `commit -c`
// (and later the builder). Parsing follows Docker's rules for each instruction.
import { invalidArgument } from '../errdefs';
import type { ContainerConfig } from '../oci/types';

export const CHANGE_COMMANDS = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'USER',
  'VOLUME',
  'WORKDIR',
  'STOPSIGNAL',
];

/** Splits shell-style words, honouring quotes and backslashes; quotes are removed. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw invalidArgument(`unmatched quote in: ${s}`);
  if (inWord) words.push(cur);
  return words;
}

/** JSON array form of CMD/ENTRYPOINT/VOLUME/SHELL, or undefined for shell form. */
export function parseJsonArray(s: string): string[] | undefined {
  const t = s.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* shell form */
  }
  return undefined;
}

/** KEY=VALUE pairs (or the legacy `KEY VALUE` form) for ENV and LABEL. */
export function parseKeyValues(instruction: string, rest: string): Array<[string, string]> {
  const words = splitWords(rest);
  if (words.length === 0) throw invalidArgument(`${instruction} requires at least one argument`);
  if (!words[0].includes('=')) {
    // legacy form: the first word is the key, the rest of the line the value
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw invalidArgument(`${instruction} names must be followed by a value`);
    return [[m[1], splitWords(m[2]).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${instruction} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Expands an EXPOSE argument into port/proto keys (ranges included). */
export function exposeKeys(spec: string): string[] {
  const [ports, proto = 'tcp'] = spec.split('/');
  if (!/^(tcp|udp|sctp)$/i.test(proto)) throw invalidArgument(`invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(ports);
  if (!m) throw invalidArgument(`invalid containerPort: ${ports}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start)
    throw invalidArgument(`invalid range specified for the containerPort: ${ports}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

function setEnv(env: string[], key: string, value: string): string[] {
  const out = env.filter((e) => e.split('=')[0] !== key);
  const idx = env.findIndex((e) => e.split('=')[0] === key);
  if (idx >= 0) {
    const copy = [...env];
    copy[idx] = `${key}=${value}`;
    return copy;
  }
  return [...out, `${key}=${value}`];
}

/** Applies one Dockerfile instruction to a config (returns a new config). */
export function applyInstruction(cfg: ContainerConfig, instruction: string, rest: string): ContainerConfig {
  const c: ContainerConfig = { ...cfg };
  const shellForm = (s: string) => [...(c.Shell?.length ? c.Shell : ['/bin/sh', '-c']), s];
  switch (instruction) {
    case 'CMD':
      c.Cmd = parseJsonArray(rest) ?? shellForm(rest.trim());
      break;
    case 'ENTRYPOINT': {
      const arr = parseJsonArray(rest);
      c.Entrypoint = arr ?? (rest.trim() === '' ? null : shellForm(rest.trim()));
      break;
    }
    case 'ENV':
      for (const [k, v] of parseKeyValues('ENV', rest)) c.Env = setEnv(c.Env ?? [], k, v);
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of parseKeyValues('LABEL', rest)) c.Labels[k] = v;
      break;
    case 'EXPOSE':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const w of splitWords(rest)) for (const k of exposeKeys(w)) c.ExposedPorts[k] = {};
      break;
    case 'VOLUME': {
      const vols = parseJsonArray(rest) ?? splitWords(rest);
      if (vols.length === 0) throw invalidArgument('VOLUME requires at least one argument');
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of vols) {
        if (v.trim() === '') throw invalidArgument('VOLUME specified can not be an empty string');
        c.Volumes[v] = {};
      }
      break;
    }
    case 'WORKDIR': {
      const w = splitWords(rest).join(' ');
      c.WorkingDir = w.startsWith('/') ? w : `${(c.WorkingDir || '/').replace(/\/$/, '')}/${w}`;
      break;
    }
    case 'USER':
      c.User = rest.trim();
      break;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), rest.trim()];
      break;
    case 'STOPSIGNAL':
      c.StopSignal = rest.trim();
      break;
    default:
      throw invalidArgument(`${instruction.toLowerCase()} is not a valid change command`);
  }
  return c;
}

/** Applies `--change` strings, as `docker import -c` and `docker commit -c` do. */
export function applyChanges(cfg: ContainerConfig, changes: string[]): ContainerConfig {
  let c = cfg;
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(change);
    if (!m) continue;
    const instruction = m[1].toUpperCase();
    if (!CHANGE_COMMANDS.includes(instruction))
      throw invalidArgument(`${m[1].toLowerCase()} is not a valid change command`);
    c = applyInstruction(c, instruction, m[2]);
  }
  return c;
}
