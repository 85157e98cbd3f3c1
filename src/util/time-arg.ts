// The --since/--until values the docker CLI accepts, as one parser for logs and events.
import { cliError } from '../errdefs';

/** --since/--until: RFC 3339 times, Unix timestamps, or durations like 10m ago. */
export function parseTimeArg(v: string, flag: 'since' | 'until' = 'since', now = Date.now()): number {
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (dur) return now - Number(dur[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    // the docker CLI's own check: no "Error:" in front
    throw cliError(`invalid value for "${flag}": failed to parse value as time or duration: "${v}"`);
  }
  return t;
}
