// Entry point of the full CLI: every command (docker's names and aliases), and
// the help that lists them. The everyday read commands also have a bundle of
// their own (everyday-main.ts); both run a command line through run.ts.
import { COMMANDS, GROUPS, loadAll } from './commands';
import type { GlobalOptions, Ctx } from './context';
import { writeStdoutSync } from './context';
import type { FlagDef } from './flags';
import { exitWhenDone, GLOBAL_FLAGS, runCli } from './run';

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

/** No command, --help, a group's name, or an unknown command. */
function notACommand(words: string[], help: boolean): number {
  if (words.length === 0 || help) {
    writeStdoutSync(topHelp());
    return 0;
  }
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
  process.stderr.write(`stowage: unknown command: stowage ${words[0]}\n\nRun 'stowage --help' for more information\n`);
  return 1;
}

export function run(argv: string[], ctxFactory?: (g: GlobalOptions) => Ctx): Promise<number> {
  return runCli(argv, COMMANDS, notACommand, ctxFactory);
}

export function main(): void {
  exitWhenDone(run(process.argv.slice(2)));
}

if (require.main === module) main();
