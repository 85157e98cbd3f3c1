// A terminal attached to a container (run, start -a, attach, exec -it): raw mode,
// resizes, detach keys, signals passed on.
import { isatty } from 'node:tty';
import { invalidArgument } from '../errdefs';
import type { AttachIO, Attachment } from '../util/attach-io';
import { DEFAULT_DETACH_KEYS, DetachWatcher, parseDetachKeys } from '../util/detach-keys';
import type { Ctx } from './context';

/** -it with a stdin that is no terminal: the docker CLI refuses before doing anything (exit 1, its own words). */
export function noTerminal(ctx: Ctx, flags: { tty: boolean; interactive: boolean }): boolean {
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
export async function runAttached(ctx: Ctx, id: string, opts: AttachMode): Promise<number> {
  if (opts.tty && opts.interactive && !ctx.stdin.isTTY) throw invalidArgument('the input device is not a TTY');
  return relay(ctx, id, opts, async (io) => {
    const started = await ctx.containers.start(id, io);
    // already running (start -a of a running container): attach to it
    return started.attachment ?? ctx.containers.attach(started.container.record.id, io);
  });
}
