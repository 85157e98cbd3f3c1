// `exec`: a new process in a running container, run by runc directly.
import fs from 'node:fs';
import path from 'node:path';
import { CommandNotFoundError, CommandNotInvocableError, conflict } from '../../../errdefs';
import { runcExec } from '../../../runtime/exec';
import { ALL_CAPS, resolveUser, type OciSpec } from '../../../runtime/spec';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { resolveEnv } from './create-flags';
import { noTerminal } from './run';

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
    { long: 'user', short: 'u', kind: 'string', valueName: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { long: 'workdir', short: 'w', kind: 'string', valueName: 'string', help: 'Working directory inside the container' },
  ],
  async run(ctx, [name, ...cmd], flags) {
    if (!flags.detach && noTerminal(ctx, flags)) return 1;
    const c = ctx.containers.find(name);
    if (c.state.Status === 'paused') throw conflict(`Container ${name} is paused, unpause the container before exec`);
    if (c.state.Status === 'restarting') throw conflict(`Container ${c.record.id} is restarting, wait until the container is running`);
    if (c.state.Status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
    const spec = JSON.parse(fs.readFileSync(path.join(ctx.containers.paths(c.record.id).bundle, 'config.json'), 'utf8')) as OciSpec;
    const proc = structuredClone(spec.process);
    proc.args = cmd;
    proc.terminal = flags.tty as boolean;
    const extra = resolveEnv(flags.env as string[]).filter((e) => e.includes('='));
    for (const e of extra) {
      const key = e.split('=')[0];
      proc.env = [...proc.env.filter((x) => x.split('=')[0] !== key), e];
    }
    if (flags.tty && !proc.env.some((e) => e.startsWith('TERM='))) proc.env.push('TERM=xterm');
    if (flags.workdir) proc.cwd = String(flags.workdir);
    if (flags.user) {
      let u: ReturnType<typeof resolveUser>;
      try {
        u = resolveUser(ctx.containers.rootfs(c.record.id).merged, String(flags.user));
      } catch (e) {
        return startFailed(ctx, e, 126);
      }
      proc.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    }
    if (flags.privileged) proc.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
    const rt = ctx.containers.runtime(c.record.hostConfig.Runtime || undefined);
    try {
      return await runcExec(rt, c.record.id, proc, {
        detach: flags.detach as boolean,
        stdio: [flags.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      });
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
