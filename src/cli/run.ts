// Running a command line against a command table: the global options, the
// command's flags and arguments, its run, and errors in Docker's words. Shared by
// the full CLI (main.ts) and the bundle of the everyday read commands (everyday-main.ts).
import { ExitStatus, UsageError } from '../errdefs';
import { checkArgCount, commandHelp, type Command, type CommandEntry } from './command';
import {
  Ctx,
  defaultGlobals,
  outputStarted,
  processStdout,
  stdoutStreamMade,
  writeStdoutSync,
  type GlobalOptions,
} from './context';
import { FullCliNeeded, fullCliNeeded } from './everyday-boundary';
import { errorOutput } from './exit';
import { parseFlags, type FlagDef, type ParseResult } from './flags';
import { VERSION } from '../util/version';
import { identity, prepareRootlessProcess, reenterInUserNamespace } from '../rootless';

export const GLOBAL_FLAGS = [
  { long: 'root', kind: 'string', help: 'Root directory of the store (env STOWAGE_ROOT)', valueName: 'string' },
  { long: 'runroot', kind: 'string', help: 'Directory for run state (env STOWAGE_RUNROOT)', valueName: 'string' },
  {
    long: 'runtime',
    kind: 'string',
    help: 'OCI runtime to run containers with (env STOWAGE_RUNTIME)',
    valueName: 'string',
  },
  { long: 'log-level', short: 'l', kind: 'string', help: 'Set the logging level', valueName: 'string' },
  { long: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' },
  { long: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
] as const satisfies readonly FlagDef[];

export interface Resolved {
  cmd: CommandEntry;
  path: string;
  rest: string[];
}

export function lookup(commands: readonly CommandEntry[], argv: string[]): Resolved | undefined {
  for (const cmd of commands) {
    for (const p of [cmd.name.split(' '), ...(cmd.aliases ?? [])]) {
      if (p.every((w, i) => argv[i] === w)) return { cmd, path: p.join(' '), rest: argv.slice(p.length) };
    }
  }
  return undefined;
}

export function parseGlobals(argv: string[]): ParseResult<typeof GLOBAL_FLAGS> {
  return parseFlags('', GLOBAL_FLAGS, argv, { interspersed: false });
}

function aliasesOf(cmd: CommandEntry): string[] {
  return [cmd.name, ...(cmd.aliases ?? []).map((a) => a.join(' '))];
}

/**
 * Runs argv with the commands of `commands`. `other` answers a command line
 * that names none of them (no command, --help, a group, an unknown command).
 */
export async function runCli(
  argv: string[],
  commands: readonly CommandEntry[],
  other: (words: string[], help: boolean) => number,
  ctxFactory = (g: GlobalOptions) => new Ctx(g),
): Promise<number> {
  const globals = defaultGlobals();
  let ctx: Ctx | undefined;
  let usageLine: string | undefined;
  let engine: { command: string } | undefined;
  try {
    const g = parseGlobals(argv);
    if (g.flags._changed.has('root')) globals.root = g.flags.root;
    if (g.flags._changed.has('runroot')) globals.runroot = g.flags.runroot;
    if (g.flags._changed.has('runtime')) globals.runtime = g.flags.runtime;
    if (g.flags.debug) process.env.STOWAGE_DEBUG = '1';
    if (g.flags.version) {
      writeStdoutSync(`stowage version ${VERSION}\n`);
      return 0;
    }
    const words = g.args;
    const found = words.length === 0 || g.help ? undefined : lookup(commands, words);
    if (!found) return other(words, g.help);
    const { path, rest } = found;
    const cmd: Command = found.cmd.load();
    usageLine = `stowage ${path} ${cmd.usage}`;
    if (cmd.engineExit) engine = { command: path };
    const parsed = parseFlags(path, cmd.flags ?? [], rest, { interspersed: cmd.interspersed });
    if (parsed.help) {
      writeStdoutSync(commandHelp(cmd, path, aliasesOf(found.cmd)));
      return 0;
    }
    checkArgCount(cmd, path, parsed.args);
    // an ordinary user's commands work inside the user's namespace (rootless)
    const who = identity();
    if (who.kind === 'outside') return await reenterInUserNamespace(who, argv);
    prepareRootlessProcess();
    ctx = ctxFactory(globals);
    const code = await cmd.run(ctx, parsed.args, parsed.flags);
    const leftOut = handOver();
    if (leftOut !== undefined) throw new FullCliNeeded(leftOut);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (handOver() !== undefined) throw e; // the everyday bundle's main runs the full CLI
    const { message, code } = errorOutput(
      e,
      e instanceof UsageError ? usageLine : undefined,
      e instanceof UsageError ? undefined : engine,
    );
    if (message) process.stderr.write(message);
    return e instanceof ExitStatus ? e.code : code;
  } finally {
    await ctx?.close();
  }
}

/**
 * The module the everyday bundle left out that this command reached (see
 * everyday-boundary.ts), when nothing was written yet: the full CLI can then run
 * the command from the start. Always undefined in the full CLI.
 */
export function handOver(): string | undefined {
  return outputStarted() ? undefined : fullCliNeeded();
}

/**
 * Exits with run's code once stdout has drained (it may be a slow pipe); a run
 * that failed for a hand-over (see handOver) goes to `handOverTo` instead.
 */
export function exitWhenDone(run: Promise<number>, handOverTo?: () => void): void {
  run.then(
    (code) => {
      if (stdoutStreamMade() && processStdout().writableLength > 0)
        processStdout().once('drain', () => process.exit(code));
      else process.exit(code);
    },
    (e: unknown) => {
      if (handOverTo && handOver() !== undefined) {
        handOverTo();
        return;
      }
      process.stderr.write(`Error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
