// `run`: a container created from an image and started, attached or detached.
import { invalidArgument } from '../../../errdefs';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { CREATE_FLAGS } from '../../create-flags';
import { createContainer } from '../../create-container';
import { DETACH_KEYS_FLAG, noTerminal, runAttached } from '../../attach-terminal';

/**
 * `run --rm` attached: runc runs the container to its end itself (no monitor,
 * no log: both would go with the container). Signals we receive go to runc,
 * which passes them on to the container.
 */
async function runOnce(ctx: Ctx, id: string, opts: { tty: boolean; interactive: boolean }): Promise<number> {
  if (opts.tty && opts.interactive && !ctx.stdin.isTTY) throw invalidArgument('the input device is not a TTY');
  const size =
    ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0
      ? ([ctx.stdout.rows, ctx.stdout.columns] as [number, number])
      : undefined;
  let runcPid = 0;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = signals.map((sig) => {
    const h = () => runcPid && process.kill(runcPid, sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await ctx.containers.runOnce(id, {
      interactive: opts.interactive,
      consoleSize: size,
      onSpawn: (pid) => (runcPid = pid),
    });
  } finally {
    for (const [sig, h] of forward) process.off(sig, h);
  }
}

export const containerRun: Command = {
  name: 'container run',
  aliases: [['run']],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  minArgs: 1,
  interspersed: false,
  engineExit: true,
  flags: [
    ...CREATE_FLAGS,
    { long: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
    DETACH_KEYS_FLAG,
    { long: 'sig-proxy', kind: 'bool', default: true, help: 'Proxy received signals to the process' },
  ],
  async run(ctx, args, flags) {
    if (!flags.detach && noTerminal(ctx, flags)) return 1;
    const c = await createContainer(ctx, args, flags);
    const id = c.record.id;
    if (flags.detach) {
      await ctx.containers.start(id);
      ctx.out(`${id}\n`);
      return 0;
    }
    const opts = { tty: flags.tty as boolean, interactive: flags.interactive as boolean };
    if (!c.record.hostConfig.AutoRemove)
      return runAttached(ctx, id, {
        ...opts,
        detachKeys: flags['detach-keys'] as string,
        sigProxy: flags['sig-proxy'] as boolean,
      });
    try {
      return await runOnce(ctx, id, opts);
    } finally {
      await ctx.containers.remove(id, { force: true, volumes: true }).catch(() => {});
    }
  },
};
