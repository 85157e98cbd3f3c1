// Entry point of the bundle of the everyday read commands (dist/stowage-everyday.js):
// ps, images, inspect, logs, port and version, with the same command modules,
// flags, help and errors as the full CLI, but without the code of every other
// command. Reading and compiling the full bundle was most of what these commands
// added to Node.js's own start (issue 17). bin/stowage loads this bundle for a
// command line that may be one of them and asks `handles` first; any other goes
// to the full CLI (main.ts), so nothing here ever has to answer it; so does one
// that reaches code this bundle leaves out (see everyday-boundary.ts).
import { containerLogs, EVERYDAY } from './commands/everyday';
import { parseFlags } from './flags';
import { internal } from '../errdefs';
import { exitWhenDone, handOver, lookup, parseGlobals, runCli } from './run';

/** Whether argv is an everyday command (or -v), which this bundle runs as the full CLI would. */
export function handles(argv: string[]): boolean {
  let g;
  try {
    g = parseGlobals(argv);
  } catch {
    return false; // a usage error in the global options: the full CLI words it
  }
  if (g.flags.version) return true;
  const found = g.help || g.args.length === 0 ? undefined : lookup(EVERYDAY, g.args);
  return found !== undefined && !(found.cmd === containerLogs && follows(found.path, found.rest));
}

/**
 * Whether a logs command line follows the log: that may outlive the container
 * and then record its exit, after lines were written, which takes the container
 * service this bundle leaves out. Such a command goes to the full CLI.
 */
function follows(path: string, rest: string[]): boolean {
  const cmd = containerLogs.load();
  try {
    return !!parseFlags(path, cmd.flags ?? [], rest, { interspersed: cmd.interspersed }).flags.follow;
  } catch {
    return false; // a usage error: worded the same by either bundle
  }
}

export { handOver };

export function run(argv: string[]): Promise<number> {
  return runCli(argv, EVERYDAY, () => {
    throw internal('not an everyday command: the full CLI runs it');
  });
}

/** Runs the command line; one that reaches code this bundle left out (everyday-boundary.ts) goes to `full`. */
export function main(full: () => void): void {
  exitWhenDone(run(process.argv.slice(2)), full);
}
