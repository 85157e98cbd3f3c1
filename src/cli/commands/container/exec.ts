// `exec`: a new process in a running container, run by runc directly.
import fs from 'node:fs';
import path from 'node:path';
import { conflict } from '../../../errdefs';
import { runcExec } from '../../../runtime/exec';
import { ALL_CAPS, resolveUser, type OciSpec } from '../../../runtime/spec';
import type { Command } from '../../command';
import { resolveEnv } from './create-flags';

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
    const c = ctx.containers.find(name);
    if (c.state.Status === 'paused') throw conflict(`Container ${c.record.id} is paused, unpause the container before exec`);
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
      const u = resolveUser(ctx.containers.rootfs(c.record.id).merged, String(flags.user));
      proc.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    }
    if (flags.privileged) proc.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
    const rt = ctx.containers.runtime(c.record.hostConfig.Runtime || undefined);
    return runcExec(rt, c.record.id, proc, {
      detach: flags.detach as boolean,
      stdio: [flags.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    });
  },
};
