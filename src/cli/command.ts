// What a CLI command is: its docker-style usage, flags, argument count and action.
import { UsageError } from '../errdefs';
import type { Ctx } from './context';
import { errorOutput } from './exit';
import { formatFlagHelp, type FlagDef, type FlagValues } from './flags';

/** What the command table, help and main see of a command: its flags' values untyped. */
export interface Command extends CommandInfo {
  flags?: readonly FlagDef[];
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- may return nothing: undefined would need `return undefined` in every body
  run(ctx: Ctx, args: string[], flags: FlagValues): Promise<number | void> | number | void;
}

/** A command in a command table: its names, and how to load its module (commands/index.ts). */
export interface CommandEntry {
  /** As Command.name. */
  name: string;
  /** As Command.aliases. */
  aliases?: string[][];
  load(): Command;
}

interface CommandInfo {
  /** Path as typed, e.g. ['image', 'ls']; the first alias is canonical for help. */
  name: string;
  /** Other paths that run this command, e.g. ['images'], ['image', 'list']. */
  aliases?: string[][];
  usage: string;
  description: string;
  minArgs?: number;
  maxArgs?: number;
  /** false for run/exec: flags after the first argument belong to the container. */
  interspersed?: boolean;
  /** run/create/start/exec: a failure before the container's process exists exits 125, as Docker. */
  engineExit?: boolean;
}

/** A command as it is written: `run` reads its flags typed from its own definitions. */
export interface TypedCommand<F extends readonly FlagDef[]> extends CommandInfo {
  flags?: F;
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- may return nothing: undefined would need `return undefined` in every body
  run(ctx: Ctx, args: string[], flags: FlagValues<F>): Promise<number | void> | number | void;
}

/** Declares a command; `flags.x` in its `run` has the type --x's definition gives (no casts). */
export function command<const F extends readonly FlagDef[] = readonly []>(cmd: TypedCommand<F>): Command {
  return cmd;
}

/** Argument counts worded as the docker CLI 28 words them (cli/required.go). */
export function checkArgCount(cmd: Command, path: string, args: string[]): void {
  const { minArgs = 0, maxArgs = Infinity } = cmd;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  let msg: string | undefined;
  let see = false;
  if (args.length >= minArgs && args.length <= maxArgs) return;
  if (minArgs === maxArgs) msg = `requires ${plural(minArgs)}`;
  else if (maxArgs === Infinity) {
    msg = `requires at least ${plural(minArgs)}`;
    see = true;
  } else if (minArgs === 0) msg = maxArgs === 0 ? 'accepts no arguments' : `requires at most ${plural(maxArgs)}`;
  else msg = `requires at least ${minArgs} and at most ${plural(maxArgs)}`;
  throw new UsageError(path, `'stowage ${path}' ${msg}`, { argCount: true, see });
}

export function commandHelp(cmd: Command, path: string, aliases: string[]): string {
  let s = `\nUsage:  stowage ${path} ${cmd.usage}\n\n${cmd.description}\n`;
  if (aliases.length > 1) s += `\nAliases:\n  ${aliases.map((a) => `stowage ${a}`).join(', ')}\n`;
  const flags = cmd.flags ?? [];
  if (flags.some((f) => !f.hidden)) s += `\nOptions:\n${formatFlagHelp(flags)}\n`;
  return s;
}

// Flag definitions several commands share.
export const FORMAT_FLAG = {
  long: 'format',
  kind: 'string',
  valueName: 'string',
  help: "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template",
} as const satisfies FlagDef;
export const QUIET_FLAG = (help: string) =>
  ({ long: 'quiet', short: 'q', kind: 'bool', help }) as const satisfies FlagDef;
export const NO_TRUNC_FLAG = {
  long: 'no-trunc',
  kind: 'bool',
  help: "Don't truncate output",
} as const satisfies FlagDef;
/** -f/--format of every inspect command (a Go template per object) */
export const INSPECT_FORMAT_FLAG = {
  long: 'format',
  short: 'f',
  kind: 'string',
  valueName: 'string',
  help: 'Format output using a custom template',
} as const satisfies FlagDef;
/** -t/--timeout of stop and restart (--time is docker's older spelling) */
export const STOP_TIMEOUT_FLAG = {
  long: 'timeout',
  short: 't',
  kind: 'int',
  help: 'Seconds to wait before killing the container',
  aliases: ['time'],
} as const satisfies FlagDef;
/** -f/--force of the commands that ask before removing (prunes, reset) */
export const NO_PROMPT_FLAG = {
  long: 'force',
  short: 'f',
  kind: 'bool',
  help: 'Do not prompt for confirmation',
} as const satisfies FlagDef;
/** --filter of the prune commands (no -f: that is --force there) */
export const PRUNE_FILTER_FLAG = {
  long: 'filter',
  kind: 'list',
  valueName: 'filter',
  help: 'Provide filter values (e.g. "until=<timestamp>")',
} as const satisfies FlagDef;
export const FILTER_FLAG = {
  long: 'filter',
  short: 'f',
  kind: 'list',
  valueName: 'filter',
  help: 'Filter output based on conditions provided',
} as const satisfies FlagDef;

/**
 * Runs `fn` for every argument, printing its result (or the argument) or its
 * error, and going on with the next one, as docker does for rm, stop, kill...
 * Errors `tolerate` accepts are not failures: 'quiet' ones are not printed
 * either (`network rm -f`), 'printed' ones are (`rm -f` of a missing container).
 */
export async function eachArg(
  ctx: Ctx,
  args: string[],
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- may return nothing: undefined would need `return undefined` in every body
  fn: (a: string) => Promise<string | void> | string | void,
  tolerate: (e: unknown) => 'quiet' | 'printed' | false = () => false,
): Promise<number> {
  let failed = false;
  for (const a of args) {
    try {
      const out = await fn(a);
      ctx.out(`${out ?? a}\n`);
    } catch (e) {
      const tolerated = tolerate(e);
      if (tolerated !== 'quiet') ctx.err(errorOutput(e).message);
      if (!tolerated) failed = true;
    }
  }
  return failed ? 1 : 0;
}
