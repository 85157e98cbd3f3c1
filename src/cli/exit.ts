// The one place that turns errors into messages and exit codes (see the
// table in docs/ARCHITECTURE.md): usage errors as the docker CLI prints them,
// everything else as "Error: <message>".
import { CommandNotFoundError, CommandNotInvocableError, ExitStatus, StowageError, UsageError } from '../errdefs';

export interface ErrorOutput {
  message: string;
  code: number;
}

export function errorOutput(e: unknown, usageLine?: string, engine?: { command: string }): ErrorOutput {
  if (e instanceof ExitStatus) return { message: '', code: e.code };
  if (e instanceof UsageError) {
    const tail = usageLine ? `\n\nUsage:  ${usageLine}\n\n` : '\n\n';
    if (e.argCount)
      return {
        message: `stowage: ${e.message}${tail}${e.see ? 'See' : 'Run'} 'stowage ${e.command} --help' for more information\n`,
        code: 1,
      };
    return { message: `${e.message}${tail}Run 'stowage ${e.command} --help' for more information\n`, code: 125 };
  }
  // docker CLI 28's withHelp: "docker: <error>", a blank line, the hint
  const runHint = engine ? `\nRun 'stowage ${engine.command} --help' for more information\n` : '';
  if (e instanceof CommandNotFoundError) return { message: `stowage: Error: ${e.message}\n${runHint}`, code: 127 };
  if (e instanceof CommandNotInvocableError) return { message: `stowage: Error: ${e.message}\n${runHint}`, code: 126 };
  // the CLI's own checks (bare) have no "Error response from daemon:" (here "Error:") prefix
  if (engine) {
    const prefix = e instanceof StowageError && e.bare ? '' : 'Error: ';
    return { message: `stowage: ${prefix}${(e as Error)?.message ?? String(e)}\n${runHint}`, code: 125 };
  }
  if (e instanceof StowageError) return { message: `${e.bare ? '' : 'Error: '}${e.message}\n`, code: 1 };
  const err = e as Error;
  if (process.env.STOWAGE_DEBUG) return { message: `Error: ${err?.stack ?? String(e)}\n`, code: 1 };
  return { message: `Error: ${err?.message ?? String(e)}\n`, code: 1 };
}
