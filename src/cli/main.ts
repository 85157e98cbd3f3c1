// Entry point: global options, then the command (docker's names and aliases).
import { ExitStatus, UsageError } from '../errdefs';
import { checkArgCount, commandHelp, type Command } from './command';
import { COMMANDS, GROUPS, loadAll, type CommandEntry } from './commands';
import { Ctx, defaultGlobals, processStdout, stdoutStreamMade, writeStdoutSync, type GlobalOptions } from './context';
import { errorOutput } from './exit';
import { parseFlags, type FlagDef } from './flags';
import { VERSION } from '../util/version';
import { identity, prepareRootlessProcess, reenterInUserNamespace } from '../rootless';

const GLOBAL_FLAGS = [
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

interface Resolved {
  cmd: CommandEntry;
  path: string;
  rest: string[];
}

function lookup(argv: string[]): Resolved | undefined {
  for (const cmd of COMMANDS) {
    for (const p of [cmd.name.split(' '), ...(cmd.aliases ?? [])]) {
      if (p.every((w, i) => argv[i] === w)) return { cmd, path: p.join(' '), rest: argv.slice(p.length) };
    }
  }
  return undefined;
}

function aliasesOf(cmd: CommandEntry): string[] {
  return [cmd.name, ...(cmd.aliases ?? []).map((a) => a.join(' '))];
}

// The docker CLI's grouping of its top-level commands.
const COMMON = ['run', 'exec', 'ps', 'images', 'version', 'info'];

function topHelp(): string {
  const top = new Map<string, string>();
  const all = loadAll();
  for (const c of all) {
    for (const p of [c.name.split(' '), ...(c.aliases ?? [])]) if (p.length === 1) top.set(p[0], c.description);
  }
  const names = [...top.keys(), ...Object.keys(GROUPS)];
  const w = Math.max(...names.map((n) => n.length)) + 2;
  const row = (n: string, d: string) => `  ${n.padEnd(w)}${d}`;
  let s =
    '\nUsage:  stowage [OPTIONS] COMMAND\n\nA daemonless, Docker-compatible container engine\n\nCommon Commands:\n';
  s += COMMON.flatMap((n) => {
    const d = top.get(n);
    return d === undefined ? [] : [row(n, d)];
  }).join('\n');
  s += '\n\nManagement Commands:\n';
  s += Object.entries(GROUPS)
    .map(([n, d]) => row(n, d))
    .join('\n');
  s += '\n\nCommands:\n';
  s += [...top]
    .filter(([n]) => !COMMON.includes(n))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, d]) => row(n, d))
    .join('\n');
  s += `\n\nGlobal Options:\n`;
  const globals: readonly FlagDef[] = GLOBAL_FLAGS;
  s += globals
    .map(
      (f) =>
        `  ${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.kind === 'bool' ? '' : ' string'}`.padEnd(30) + f.help,
    )
    .join('\n');
  return `${s}\n\nRun 'stowage COMMAND --help' for more information on a command.\n`;
}

function groupHelp(group: string): string {
  const subs = loadAll().filter((c) => c.name.startsWith(`${group} `));
  const w = Math.max(...subs.map((c) => c.name.length - group.length - 1)) + 2;
  return (
    `\nUsage:  stowage ${group} COMMAND\n\n${GROUPS[group]}\n\nCommands:\n` +
    subs.map((c) => `  ${c.name.slice(group.length + 1).padEnd(w)}${c.description}`).join('\n') +
    `\n\nRun 'stowage ${group} COMMAND --help' for more information on a command.\n`
  );
}

export async function run(argv: string[], ctxFactory = (g: GlobalOptions) => new Ctx(g)): Promise<number> {
  const globals = defaultGlobals();
  let ctx: Ctx | undefined;
  let usageLine: string | undefined;
  let engine: { command: string } | undefined;
  try {
    const g = parseFlags('', GLOBAL_FLAGS, argv, { interspersed: false });
    if (g.flags._changed.has('root')) globals.root = g.flags.root;
    if (g.flags._changed.has('runroot')) globals.runroot = g.flags.runroot;
    if (g.flags._changed.has('runtime')) globals.runtime = g.flags.runtime;
    if (g.flags.debug) process.env.STOWAGE_DEBUG = '1';
    if (g.flags.version) {
      writeStdoutSync(`stowage version ${VERSION}\n`);
      return 0;
    }
    const words = g.args;
    if (words.length === 0 || g.help) {
      writeStdoutSync(topHelp());
      return 0;
    }
    const found = lookup(words);
    if (!found) {
      if (GROUPS[words[0]]) {
        if (words.length > 1 && !words[1].startsWith('-')) {
          process.stderr.write(
            `stowage: unknown command: stowage ${words[0]} ${words[1]}\n\nRun 'stowage ${words[0]} --help' for more information\n`,
          );
          return 1;
        }
        writeStdoutSync(groupHelp(words[0]));
        return 0;
      }
      process.stderr.write(
        `stowage: unknown command: stowage ${words[0]}\n\nRun 'stowage --help' for more information\n`,
      );
      return 1;
    }
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
    return typeof code === 'number' ? code : 0;
  } catch (e) {
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

export function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      // let stdout drain before exiting (it may be a slow pipe)
      if (stdoutStreamMade() && processStdout().writableLength > 0)
        processStdout().once('drain', () => process.exit(code));
      else process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`Error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
