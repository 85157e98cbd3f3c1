// `run`, `create` and `start`: a container from an image, attached or detached.
import { NoSuchImageError } from '../../../engine/images';
import { invalidArgument, StowageError } from '../../../errdefs';
import { familiarString, parseNormalized, withDefaultTag } from '../../../reference';
import { resize } from '../../../runtime/conmon';
import { runcKill } from '../../../runtime/runc';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { errorOutput } from '../../exit';
import { CREATE_FLAGS, createOptions, volumeRequests } from './create-flags';

async function createContainer(ctx: Ctx, args: string[], flags: Parameters<Command['run']>[2]) {
  const [image, ...cmd] = args;
  try {
    return await ctx.containers.create(createOptions(flags, image, cmd, ctx.globals.runtime), volumeRequests(flags));
  } catch (e) {
    if (e instanceof NoSuchImageError) {
      let shown = image;
      try {
        shown = familiarString(withDefaultTag(parseNormalized(image)));
      } catch {
        /* an ID */
      }
      ctx.err(`Unable to find image '${shown}' locally\n`);
      throw new StowageError('not-found', `${e.message}: stowage has no registry to pull from; load or import the image first`);
    }
    throw e;
  }
}

/** -it with a stdin that is no terminal: the docker CLI refuses before doing anything (exit 1, its own words). */
export function noTerminal(ctx: Ctx, flags: Record<string, unknown>): boolean {
  if (!flags.tty || !flags.interactive || ctx.stdin.isTTY) return false;
  ctx.err('the input device is not a TTY\n');
  return true;
}

/** Runs attached: stdio relayed, the terminal in raw mode with -t, signals forwarded; returns the exit code. */
async function runAttached(ctx: Ctx, id: string, opts: { tty: boolean; interactive: boolean }): Promise<number> {
  const stdin = ctx.stdin;
  if (opts.tty && opts.interactive && !stdin.isTTY) throw invalidArgument('the input device is not a TTY');
  const raw = opts.tty && opts.interactive && stdin.isTTY;
  const size = ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0 ? ([ctx.stdout.rows, ctx.stdout.columns] as [number, number]) : undefined;
  const { container, attachment } = await ctx.containers.start(id, {
    stdin: opts.interactive ? stdin : undefined,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    consoleSize: size,
  });
  const paths = ctx.containers.paths(container.record.id);
  const rt = ctx.containers.runtime(container.record.hostConfig.Runtime || undefined);
  const onResize = () => {
    if (ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0) resize(paths, ctx.stdout.rows, ctx.stdout.columns);
  };
  // as docker --sig-proxy: signals we receive go to the container
  const signals: NodeJS.Signals[] = opts.tty ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const proxies = signals.map((sig) => {
    const h = () => void runcKill(rt, container.record.id, sig).catch(() => {});
    process.on(sig, h);
    return [sig, h] as const;
  });
  if (opts.tty) process.on('SIGWINCH', onResize);
  if (raw) stdin.setRawMode(true);
  try {
    await attachment!.done;
    return await ctx.containers.wait(container.record.id);
  } finally {
    if (raw) stdin.setRawMode(false);
    process.off('SIGWINCH', onResize);
    for (const [sig, h] of proxies) process.off(sig, h);
    stdin.pause();
  }
}

/**
 * `run --rm` attached: runc runs the container to its end itself (no monitor,
 * no log: both would go with the container). Signals we receive go to runc,
 * which passes them on to the container.
 */
async function runOnce(ctx: Ctx, id: string, opts: { tty: boolean; interactive: boolean }): Promise<number> {
  if (opts.tty && opts.interactive && !ctx.stdin.isTTY) throw invalidArgument('the input device is not a TTY');
  const size = ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0 ? ([ctx.stdout.rows, ctx.stdout.columns] as [number, number]) : undefined;
  let runcPid = 0;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = signals.map((sig) => {
    const h = () => runcPid && process.kill(runcPid, sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await ctx.containers.runOnce(id, { interactive: opts.interactive, consoleSize: size, onSpawn: (pid) => (runcPid = pid) });
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
  flags: [...CREATE_FLAGS, { long: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' }],
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
    if (!c.record.hostConfig.AutoRemove) return runAttached(ctx, id, opts);
    try {
      return await runOnce(ctx, id, opts);
    } finally {
      await ctx.containers.remove(id, { force: true, volumes: true }).catch(() => {});
    }
  },
};

export const containerCreate: Command = {
  name: 'container create',
  aliases: [['create']],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  minArgs: 1,
  interspersed: false,
  engineExit: true,
  flags: CREATE_FLAGS,
  async run(ctx, args, flags) {
    ctx.out(`${(await createContainer(ctx, args, flags)).record.id}\n`);
  },
};

export const containerStart: Command = {
  name: 'container start',
  aliases: [['start']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Start one or more stopped containers',
  minArgs: 1,
  engineExit: true,
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, args, flags) {
    if (flags.attach || flags.interactive) {
      if (args.length > 1) throw invalidArgument('you cannot start and attach multiple containers at once');
      const c = ctx.containers.find(args[0]);
      return runAttached(ctx, c.record.id, { tty: !!c.record.config.Tty, interactive: flags.interactive as boolean });
    }
    const failed: string[] = [];
    for (const a of args) {
      try {
        await ctx.containers.start(a);
        ctx.out(`${a}\n`);
      } catch (e) {
        ctx.err(errorOutput(e).message);
        failed.push(a);
      }
    }
    if (!failed.length) return 0;
    // the CLI's own summary: no engine prefix, exit 1 (not 125)
    ctx.err(`Error: failed to start containers: ${failed.join(', ')}\n`);
    return 1;
  },
};
