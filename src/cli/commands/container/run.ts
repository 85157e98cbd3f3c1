// `run`, `create` and `start`: a container from an image, attached or detached.
import fs from 'node:fs';
import { isatty } from 'node:tty';
import type { Container } from '../../../container/store';
import { createWarnings } from '../../../engine/container-create';
import { NoSuchImageError } from '../../../engine/images';
import { cliError, conflict, invalidArgument } from '../../../errdefs';
import { familiarString, parseNormalized, withDefaultTag } from '../../../reference';
import type { AttachIO, Attachment } from '../../../runtime/attach';
import { DEFAULT_DETACH_KEYS, DetachWatcher, parseDetachKeys } from '../../../util/detach-keys';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { errorOutput } from '../../exit';
import { CREATE_FLAGS, createOptions, volumeRequests } from './create-flags';

/** Creates the container; an image not in the store is pulled first, as Docker does (its lines on stderr). */
async function createContainer(ctx: Ctx, args: string[], flags: Parameters<Command['run']>[2]) {
  const [image, ...cmd] = args;
  const opts = createOptions(flags, image, cmd, ctx.globals.runtime);
  const cidFile = opts.containerIdFile ? claimCidFile(opts.containerIdFile) : undefined;
  const create = () => ctx.containers.create(opts, volumeRequests(flags));
  try {
    let c: Container;
    try {
      c = await create();
    } catch (e) {
      if (!(e instanceof NoSuchImageError) || isIdLike(image)) throw e;
      ctx.err(`Unable to find image '${familiarString(withDefaultTag(parseNormalized(image)))}' locally\n`);
      // the registry client (and https, tls) is loaded only when an image is missing
      const { pullAndReport } = require('../image/registry') as typeof import('../image/registry'); // eslint-disable-line @typescript-eslint/no-require-imports
      await pullAndReport(ctx, image, { out: ctx.stderr, platform: (flags.platform as string) || undefined });
      c = await create();
    }
    for (const w of createWarnings(c.record.hostConfig)) ctx.err(`WARNING: ${w}\n`);
    if (cidFile) fs.writeFileSync(cidFile, c.record.id);
    return c;
  } catch (e) {
    if (cidFile) fs.rmSync(cidFile, { force: true });
    throw e;
  }
}

/** --cidfile: the docker CLI refuses a file that exists, and makes it before the create (removed should that fail). */
function claimCidFile(file: string): string {
  try {
    fs.writeFileSync(file, '', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw cliError(`container ID file found, make sure the other container isn't running or delete ${file}`);
    throw cliError(`failed to create the container ID file: ${(e as Error).message}`);
  }
  return file;
}

/** An image ID (full, short or sha256:-prefixed): never pulled. */
function isIdLike(image: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(image);
}

/** -it with a stdin that is no terminal: the docker CLI refuses before doing anything (exit 1, its own words). */
export function noTerminal(ctx: Ctx, flags: Record<string, unknown>): boolean {
  // asked of fd 0 itself: opening process.stdin would make it non-blocking under runc's feet (exec -it)
  if (!flags.tty || !flags.interactive || isatty(0)) return false;
  ctx.err('the input device is not a TTY\n');
  return true;
}

export const DETACH_KEYS_FLAG = {
  long: 'detach-keys',
  kind: 'string' as const,
  valueName: 'string',
  help: 'Override the key sequence for detaching a container',
};

/** How a terminal is attached: stdin relayed or not, a tty (raw mode, resize, detach keys) or not. */
export interface AttachMode {
  tty: boolean;
  interactive: boolean;
  /** the detach sequence, as --detach-keys gives it */
  detachKeys?: string;
  /** forward the signals we receive (without a tty) */
  sigProxy?: boolean;
}

/**
 * Relays a terminal to an attachment until the container exits (its exit code)
 * or the detach keys are typed (0, the container left running): the terminal in
 * raw mode with a tty, resizes passed on, signals forwarded without one.
 */
export async function relay(
  ctx: Ctx,
  id: string,
  mode: AttachMode,
  connect: (io: AttachIO & { consoleSize?: [number, number] }) => Promise<Attachment>,
): Promise<number> {
  const stdin = ctx.stdin;
  const raw = mode.tty && mode.interactive && stdin.isTTY;
  const size =
    ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0
      ? ([ctx.stdout.rows, ctx.stdout.columns] as [number, number])
      : undefined;
  // with a tty the detach keys leave the container running, as docker's
  const watcher = raw ? new DetachWatcher(parseDetachKeys(mode.detachKeys || DEFAULT_DETACH_KEYS)) : undefined;
  if (watcher) stdin.pipe(watcher);
  const attachment = await connect({
    stdin: mode.interactive ? (watcher ?? stdin) : undefined,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    consoleSize: size,
  });
  let detached = false;
  watcher?.on('detach', () => {
    detached = true;
    attachment.detach();
  });
  const c = ctx.containers.find(id);
  const onResize = () => {
    if (ctx.stdout.isTTY && ctx.stdout.rows > 0 && ctx.stdout.columns > 0)
      ctx.containers.resize(c.record.id, ctx.stdout.rows, ctx.stdout.columns);
  };
  // as docker --sig-proxy: signals we receive go to the container
  const signals: NodeJS.Signals[] =
    mode.tty || mode.sigProxy === false ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const proxies = signals.map((sig) => {
    const h = () => void ctx.containers.signal(c.record.id, sig).catch(() => {});
    process.on(sig, h);
    return [sig, h] as const;
  });
  if (mode.tty) process.on('SIGWINCH', onResize);
  if (raw) stdin.setRawMode(true);
  try {
    await attachment.done;
    return detached ? 0 : await ctx.containers.wait(c.record.id);
  } finally {
    if (raw) stdin.setRawMode(false);
    if (watcher) stdin.unpipe(watcher);
    process.off('SIGWINCH', onResize);
    for (const [sig, h] of proxies) process.off(sig, h);
    stdin.pause();
  }
}

/** Runs attached (run, start -a): the container started with the terminal already attached. */
async function runAttached(ctx: Ctx, id: string, opts: AttachMode): Promise<number> {
  if (opts.tty && opts.interactive && !ctx.stdin.isTTY) throw invalidArgument('the input device is not a TTY');
  return relay(ctx, id, opts, async (io) => {
    const started = await ctx.containers.start(id, io);
    // already running (start -a of a running container): attach to it
    return started.attachment ?? ctx.containers.attach(started.container.record.id, io);
  });
}

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
    DETACH_KEYS_FLAG,
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, args, flags) {
    if (flags.attach || flags.interactive) {
      if (args.length > 1) throw invalidArgument('you cannot start and attach multiple containers at once');
      const c = ctx.containers.find(args[0]);
      return runAttached(ctx, c.record.id, {
        tty: !!c.record.config.Tty,
        interactive: flags.interactive as boolean,
        detachKeys: flags['detach-keys'] as string,
      });
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

export const containerAttach: Command = {
  name: 'container attach',
  aliases: [['attach']],
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    DETACH_KEYS_FLAG,
    { long: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
    { long: 'sig-proxy', kind: 'bool', default: true, help: 'Proxy all received signals to the process' },
  ],
  async run(ctx, [name], flags) {
    const c = ctx.containers.find(name);
    if (c.state.Status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    if (c.state.Status !== 'running') throw conflict('You cannot attach to a stopped container, start it first');
    const mode = {
      tty: !!c.record.config.Tty,
      interactive: !flags['no-stdin'] && !!c.record.config.OpenStdin,
      detachKeys: flags['detach-keys'] as string,
      sigProxy: flags['sig-proxy'] as boolean,
    };
    if (mode.tty && mode.interactive && noTerminal(ctx, { tty: true, interactive: true })) return 1;
    return relay(ctx, c.record.id, mode, async (io) => ctx.containers.attach(c.record.id, io));
  },
};
