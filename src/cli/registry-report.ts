// Pull and push as the docker CLI reports them: a status line per layer when
// piped, a line per layer with its progress bar on a terminal.
import type { Digest } from '../digest';
import { invalidArgument, StowageError } from '../errdefs';
import { familiarName, familiarString, fullString, parseNormalized, repoName } from '../reference';
import { parsePlatform, pullAllTags, pullImage, type OnProgress } from '../registry';
import { JsonMessageDisplay } from './output/json-messages';
import type { Ctx } from './context';

export function display(out: NodeJS.WritableStream, quiet: boolean): OnProgress & { started: boolean } {
  const d = quiet ? undefined : new JsonMessageDisplay(out, (out as { isTTY?: boolean }).isTTY === true);
  const show = Object.assign(
    (m: Parameters<OnProgress>[0]) => {
      show.started = true;
      d?.write(m);
    },
    { started: false },
  );
  return show;
}

/**
 * An error once the engine's messages have begun: the docker CLI prints those
 * as they come in the stream, without "Error response from daemon:" (here "Error:").
 */
export function inStream<T>(show: { started: boolean }, work: () => Promise<T>): Promise<T> {
  return work().catch((e: unknown) => {
    if (show.started && e instanceof StowageError && !e.bare)
      throw new StowageError(e.kind, e.message, { bare: true, cause: e });
    throw e;
  });
}

export interface PullReportOptions {
  quiet?: boolean;
  out?: NodeJS.WritableStream;
  /** print the pulled reference at the end, as `docker pull` does */
  printName?: boolean;
  platform?: string;
  allTags?: boolean;
}

/** Pulls `name` and prints what Docker prints; returns the image ID (run and build use it too). */
export async function pullAndReport(ctx: Ctx, name: string, opts: PullReportOptions = {}): Promise<Digest> {
  const out = opts.out ?? ctx.stdout;
  const named = parseNormalized(name);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const show = display(out, !!opts.quiet);
  if (opts.allTags) {
    if (named.tag || named.digest) throw invalidArgument("tag can't be used with --all-tags/-a");
    const r = await inStream(show, () => pullAllTags(ctx.store, ctx.images, named, { platform, onProgress: show }));
    show({
      status: `Status: ${r.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarName(named)}`,
    });
    if (opts.printName) ctx.out(`${repoName(named)}\n`);
    return r.images[r.images.length - 1]?.id;
  }
  if (!named.tag && !named.digest && !opts.quiet) out.write('Using default tag: latest\n');
  const r = await inStream(show, () => pullImage(ctx.store, ctx.images, named, { platform, onProgress: show }));
  show({
    status: `Status: ${r.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(r.ref)}`,
  });
  if (opts.printName) ctx.out(`${fullString(r.ref)}\n`);
  return r.id;
}
