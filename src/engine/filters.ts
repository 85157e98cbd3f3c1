// --filter key=value arguments, validated against the keys a command accepts.
import { invalidArgument } from '../errdefs';

export type Filters = Map<string, string[]>;

export function parseFilters(raw: unknown, accepted: string[]): Filters {
  const out: Filters = new Map();
  for (const f of (raw as string[]) ?? []) {
    const eq = f.indexOf('=');
    if (eq < 0) throw invalidArgument('bad format of filter (expected name=value)');
    const key = f.slice(0, eq).trim().toLowerCase();
    if (!accepted.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), f.slice(eq + 1)]);
  }
  return out;
}

/** Go's path.Match: * and ? do not cross '/', [...] classes. */
export function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw invalidArgument('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(s);
}

/** A `label=key` or `label=key=value` filter against a label map. */
export function labelMatches(specs: string[] | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (!specs) return true;
  return specs.every((spec) => {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (!labels || !(key in labels)) return false;
    return eq < 0 || labels[key] === spec.slice(eq + 1);
  });
}

export function boolFilter(values: string[] | undefined, key: string): boolean | undefined {
  if (!values) return undefined;
  const v = values[values.length - 1].toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`Invalid filter '${key}=${values[values.length - 1]}'`);
}

/** A prune's `until`: a timestamp or a duration before now (Docker's filters.GetTimestamp). */
export function untilTime(v: string, now = Date.now()): number {
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (dur) return now - Number(dur[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${v}'`);
  return t;
}
