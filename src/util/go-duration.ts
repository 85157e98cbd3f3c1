import { invalidArgument } from '../errdefs';
// Go's time.Duration as text: ParseDuration (flags such as --health-interval,
// HEALTHCHECK --interval) and Duration.String (Docker prints durations with %v),
// with Go's error wording. Durations are nanoseconds in a JS number (exact up to
// 2^53 ns, about 104 days: more than any healthcheck needs).

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration: "1h2m3.5s", "-500ms", "0"; nanoseconds. Throws Go's error text. */
export function parseGoDuration(s: string): number {
  const quoted = JSON.stringify(s);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalidArgument(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the pattern matches the empty string
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if ((num[1] ?? '') === '' && (num[2] ?? '') === '') throw invalidArgument(`time: invalid duration ${quoted}`);
    rest = rest.slice(num[0].length);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the pattern matches the empty string
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw invalidArgument(`time: missing unit in duration ${quoted}`);
    const scale = UNITS[unit];
    if (scale === undefined) throw invalidArgument(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    rest = rest.slice(unit.length);
    total += Number(`${num[1] || '0'}.${num[2] || '0'}`) * scale;
  }
  return sign * Math.round(total);
}

/** Duration.String(): "1h2m3.5s", "500ms", "1.5µs", "0s". */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let n = Math.abs(Math.round(ns));
  if (n < 1e9) {
    // below a second: the largest unit that keeps an integer part
    const [unit, scale] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${fraction(n, scale)}${unit}`;
  }
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  const secs = `${fraction(n, 1e9)}s`;
  if (h) return `${sign}${h}h${m}m${secs}`;
  if (m) return `${sign}${m}m${secs}`;
  return `${sign}${secs}`;
}

/** n / scale with the fraction's trailing zeros dropped (exact: integers only). */
function fraction(n: number, scale: number): string {
  const int = Math.floor(n / scale);
  const frac = n - int * scale;
  if (frac === 0) return String(int);
  const digits = String(scale).length - 1;
  return `${int}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}
