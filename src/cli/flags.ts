// A flag parser with the grammar and error wording of spf13/pflag, which the
// docker CLI uses: `--name=value`, `--bool=false`, clustered shorthands
// (`-it`, `-p88:80`, `-p=88:80`), `--` and non-interspersed commands (`run IMAGE
// --flags-of-the-container`). Node's util.parseArgs and commander differ on
// several of these and on every error message, so this one is hand-written.
import { UsageError } from '../errdefs';

export type FlagKind = 'bool' | 'string' | 'int' | 'list';

export interface FlagDef {
  long: string;
  short?: string;
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
  /** Shown after the flag in help ("string", "list", "int", "bytes"...). */
  valueName?: string;
  hidden?: boolean;
  /** Validates or converts one value; throw an Error with pflag's reason. */
  parse?: (v: string) => unknown;
  /** Extra long names accepted (deprecated spellings such as --time for --timeout). */
  aliases?: readonly string[];
}

/** A value as the kind makes it, without `parse`. */
interface KindValue {
  bool: boolean;
  string: string;
  int: number;
  list: string[];
}

/** What a flag holds when not given and it has no default: false, 0 or '' (never parsed). */
type Unset<K extends FlagKind> = K extends 'bool' ? false : K extends 'int' ? 0 : '';

/**
 * The value of one flag, from its definition: its kind's type, or what `parse`
 * returns (for each value of a list); a string default is parsed too, no default
 * leaves the kind's zero value.
 */
export type FlagValue<D extends FlagDef> = D['kind'] extends 'list'
  ? Array<D extends { parse: (v: string) => infer R } ? R : string>
  : D extends { parse: (v: string) => infer R }
    ? R | (D extends { default: string } ? never : D extends { default: infer X } ? X : Unset<D['kind']>)
    : KindValue[D['kind']];

/**
 * The parsed flags of a command, typed from its definitions (declared `as const`,
 * or through `command()`): `flags.name` is what --name holds, and `_changed` the
 * flags given on the command line.
 */
export type FlagValues<F extends readonly FlagDef[] = readonly FlagDef[]> = (FlagDef[] extends F
  ? Record<string, unknown>
  : { [D in F[number] as D['long']]: FlagValue<D> }) & { _changed: Set<string> };

/** A flag's value when it was given on the command line, else undefined (never its unset zero value). */
export function given<V extends { _changed: Set<string> }, K extends Exclude<keyof V, '_changed'> & string>(
  flags: V,
  name: K,
): Exclude<V[K], ''> | undefined {
  // a given value is the kind's or parse's, never the '' an unset flag holds
  return flags._changed.has(name) ? (flags[name] as Exclude<V[K], ''>) : undefined;
}

export interface ParseResult<F extends readonly FlagDef[] = readonly FlagDef[]> {
  flags: FlagValues<F>;
  args: string[];
  help: boolean;
}

function flagLabel(d: FlagDef): string {
  return d.short ? `-${d.short}, --${d.long}` : `--${d.long}`;
}

const err = (command: string, msg: string) => new UsageError(command, msg);

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

export function parseFlags<const F extends readonly FlagDef[]>(
  command: string,
  defs: F,
  argv: string[],
  opts: { interspersed?: boolean } = {},
): ParseResult<F> {
  const interspersed = opts.interspersed ?? true;
  const byLong = new Map<string, FlagDef>();
  const byShort = new Map<string, FlagDef>();
  for (const d of defs) {
    byLong.set(d.long, d);
    for (const a of d.aliases ?? []) byLong.set(a, d);
    if (d.short) byShort.set(d.short, d);
  }
  const flags: Record<string, unknown> & { _changed: Set<string> } = { _changed: new Set<string>() };
  for (const d of defs) {
    if (d.kind === 'list') flags[d.long] = [];
    else if (d.default !== undefined)
      flags[d.long] = d.parse && typeof d.default === 'string' ? d.parse(d.default) : d.default;
    else flags[d.long] = d.kind === 'bool' ? false : d.kind === 'int' ? 0 : '';
  }
  let help = false;
  const set = (d: FlagDef, raw: string) => {
    let v: unknown = raw;
    if (d.kind === 'bool') {
      v = parseBool(raw);
      if (v === undefined)
        throw err(
          command,
          `invalid argument "${raw}" for "${flagLabel(d)}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
        );
    } else if (d.kind === 'int') {
      if (!/^[+-]?\d+$/.test(raw))
        throw err(
          command,
          `invalid argument "${raw}" for "${flagLabel(d)}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        );
      v = parseInt(raw, 10);
    }
    if (d.parse) {
      try {
        v = d.parse(raw);
      } catch (e) {
        throw err(command, `invalid argument "${raw}" for "${flagLabel(d)}" flag: ${(e as Error).message}`);
      }
    }
    if (d.kind === 'list') (flags[d.long] as unknown[]).push(v);
    else flags[d.long] = v;
    flags._changed.add(d.long);
  };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const d = byLong.get(name);
      if (!d) {
        if (name === 'help') {
          help = true;
          continue;
        }
        throw err(command, `unknown flag: --${name}`);
      }
      if (eq >= 0) set(d, a.slice(eq + 1));
      else if (d.kind === 'bool') set(d, 'true');
      else if (i + 1 < argv.length) set(d, argv[++i]);
      else throw err(command, `flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      let s = a.slice(1);
      while (s.length > 0) {
        const c = s[0];
        const d = byShort.get(c);
        if (!d) {
          if (c === 'h') {
            help = true;
            s = s.slice(1);
            continue;
          }
          throw err(command, `unknown shorthand flag: '${c}' in ${a}`);
        }
        if (s.length > 2 && s[1] === '=') {
          set(d, s.slice(2));
          s = '';
        } else if (d.kind === 'bool') {
          set(d, 'true');
          s = s.slice(1);
        } else if (s.length > 1) {
          set(d, s.slice(1));
          s = '';
        } else if (i + 1 < argv.length) {
          set(d, argv[++i]);
          s = '';
        } else {
          throw err(command, `flag needs an argument: '${c}' in ${a}`);
        }
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }
  // the values were made from the definitions, as FlagValues<F> describes them
  return { flags: flags as FlagValues<F>, args, help };
}

/** The "Options:" block of help output, aligned as cobra prints it. */
export function formatFlagHelp(defs: readonly FlagDef[]): string {
  const rows = defs
    .filter((d) => !d.hidden)
    .sort((a, b) => (a.long < b.long ? -1 : 1))
    .map((d) => {
      const type = d.kind === 'bool' ? '' : ` ${d.valueName ?? (d.kind === 'list' ? 'list' : d.kind)}`;
      const left = d.short ? `  -${d.short}, --${d.long}${type}` : `      --${d.long}${type}`;
      const def =
        d.default !== undefined && d.default !== '' && d.default !== false && d.kind !== 'list'
          ? ` (default ${typeof d.default === 'string' && d.valueName !== 'duration' ? `"${d.default}"` : d.default})` // pflag quotes strings only
          : '';
      return [left, d.help + def];
    });
  const width = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([l, r]) => `${l.padEnd(width)}   ${r}`).join('\n');
}
