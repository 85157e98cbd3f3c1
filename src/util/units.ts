import { invalidArgument } from '../errdefs';
// Sizes and durations formatted as Docker's go-units does.

function goG(v: number, precision: number): string {
  // Go's %.Ng: N significant digits, trailing zeros removed, exponent for large values
  let s = v.toPrecision(precision);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(e);
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]];
}

/** units.HumanSizeWithPrecision: "4.19MB". */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [v, u] = scaled(size, 1000, DECIMAL_UNITS);
  return `${goG(v, precision)}${u}`;
}

/** units.HumanSize (4 significant digits). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** units.BytesSize: "1.5KiB". */
export function bytesSize(size: number): string {
  const [v, u] = scaled(size, 1024, BINARY_UNITS);
  return `${goG(v, 4)}${u}`;
}

/** units.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3600000 / 24 / 365)} years`;
}

/** "2 hours ago", as the docker CLI prints CREATED. */
export function ago(date: Date | number, now = Date.now()): string {
  const t = typeof date === 'number' ? date : date.getTime();
  return `${humanDuration(now - t)} ago`;
}

/**
 * Parses sizes such as 512m, 1g, 100k, 2GiB (binary multiples) with go-units'
 * parseSize rules and error wording: the number is everything up to the last
 * digit, dot or space; the suffix is b, or k/m/g/t/p optionally followed by b or ib.
 */
export function ramInBytes(s: string): number {
  const sep = Math.max(...Array.from('0123456789. ').map((c) => s.lastIndexOf(c)));
  if (sep === -1) throw invalidArgument(`invalid size: '${s}'`);
  const num = s[sep] === ' ' ? s.slice(0, sep) : s.slice(0, sep + 1);
  let sfx = s.slice(sep + 1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num))
    throw invalidArgument(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  const size = Number(num);
  if (size < 0) throw invalidArgument(`invalid size: '${s}'`);
  if (!sfx) return Math.trunc(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  if (!(sfx[0] in mult) || (sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib'))
    throw bad();
  return Math.trunc(size * mult[sfx[0]]);
}

/** Go's time.Time.String(): "2024-01-01 00:00:00 +0000 UTC". */
export function goTimeString(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  const name = off === 0 ? 'UTC' : zone;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone} ${name}`;
}
