// `exec`: a new process in a running container, run by runc directly.
import { checkExecutable, execProcess } from '../../../engine/exec-process';
import { CommandNotFoundError, CommandNotInvocableError } from '../../../errdefs';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { resolveEnv } from '../../create-flags';
import { noTerminal } from '../../attach-terminal';

export const containerExec: Command = {
  name: 'container exec',
  aliases: [['exec']],
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  description: 'Execute a command in a running container',
  minArgs: 2,
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
    { long: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
    { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    {
      long: 'user',
      short: 'u',
      kind: 'string',
      valueName: 'string',
      help: 'Username or UID (format: "<name|uid>[:<group|gid>]")',
    },
    {
      long: 'workdir',
      short: 'w',
      kind: 'string',
      valueName: 'string',
      help: 'Working directory inside the container',
    },
  ],
  async run(ctx, [name, ...cmd], flags) {
    if (!flags.detach && noTerminal(ctx, flags)) return 1;
    const c = ctx.containers.find(name);
    checkExecutable(c, name);
    let proc;
    try {
      proc = execProcess(ctx.containers, c, {
        cmd,
        tty: flags.tty as boolean,
        env: resolveEnv(flags.env as string[]).filter((e) => e.includes('=')),
        workdir: (flags.workdir as string) || undefined,
        user: (flags.user as string) || undefined,
        privileged: flags.privileged as boolean,
      });
    } catch (e) {
      return startFailed(ctx, e, 126); // a user that cannot be resolved
    }
    try {
      return await ctx.execs.runHere(c, proc, { detach: !!flags.detach, interactive: !!flags.interactive });
    } catch (e) {
      if (e instanceof CommandNotFoundError) return startFailed(ctx, e, 127);
      if (e instanceof CommandNotInvocableError) return startFailed(ctx, e, 126);
      throw e;
    }
  },
};

/**
 * A process that could not start: Docker's engine writes why into the exec's
 * output stream, so the docker CLI shows it on stdout, as it is, and exits with
 * the exec's code (127 not found, else 126).
 */
function startFailed(ctx: Ctx, e: unknown, code: number): number {
  ctx.out(`${(e as Error).message}\n`);
  return code;
}
