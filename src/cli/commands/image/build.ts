// `build` (`image build`): the Dockerfile and its context as the docker CLI
// finds them (PATH, or `-` for a tar context or a lone Dockerfile on stdin;
// -f relative to the current directory), then the classic builder's steps and
// lines, "Successfully built" and "Successfully tagged".
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Builder, StepFailedError, type BuildOutput } from '../../../builder/builder';
import { BuildContext, dockerfileIn, unpackContext } from '../../../builder/context';
import { DockerfileParseError, parseDockerfile } from '../../../builder/dockerfile';
import { detectCompression, peek } from '../../../tar/decompress';
import { cliError, invalidArgument } from '../../../errdefs';
import { familiarString, parseTagTarget } from '../../../reference';
import { QUIET_FLAG, command } from '../../command';
import { parseLabels } from '../../create-flags';
import { pullAndReport } from '../../registry-report';
import type { Ctx } from '../../context';

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of stream) parts.push(b);
  return Buffer.concat(parts);
}

/** A tar (maybe compressed) rather than a Dockerfile: how the docker CLI tells the two apart on stdin. */
function isTar(head: Buffer): boolean {
  return detectCompression(head) !== 'none' || (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar');
}

/** The context and the Dockerfile's text; `cleanup` removes a context unpacked from stdin. */
async function openContext(
  ctx: Ctx,
  source: string,
  file: string | undefined,
): Promise<{ context: BuildContext; dockerfile: string; name: string; cleanup: () => void }> {
  if (/^(https?|git):\/\//.test(source) || source.startsWith('git@')) {
    throw cliError(
      `unable to prepare context: stowage cannot fetch ${source}: no network is reachable; clone or download it and build from the directory`,
    );
  }
  const readDockerfile = (p: string) => {
    try {
      fs.lstatSync(p);
    } catch {
      // docker's message for a Dockerfile it cannot lstat; any failure (EACCES, ENOTDIR too) is told as missing
      throw cliError(
        `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${p}: no such file or directory`,
      );
    }
    return fs.readFileSync(p, 'utf8');
  };
  if (source === '-') {
    if (file === '-') throw cliError("invalid argument: can't use stdin for both build context and dockerfile");
    const { head, stream } = await peek(ctx.stdin, 512);
    const dir = ctx.store.tmpDir('context');
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
      if (!isTar(head))
        return {
          context: new BuildContext(dir),
          dockerfile: (await readAll(stream)).toString('utf8'),
          name: 'Dockerfile',
          cleanup,
        };
      await unpackContext(head, stream, dir);
      const name = file ?? 'Dockerfile';
      const dockerfile = dockerfileIn(dir, name);
      if (dockerfile === undefined) throw cliError(`Cannot locate specified Dockerfile: ${name}`);
      return { context: new BuildContext(dir), dockerfile, name, cleanup };
    } catch (e) {
      cleanup();
      throw e;
    }
  }
  const root = path.resolve(source);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory())
    throw cliError(`unable to prepare context: path "${source}" not found`);
  const context = new BuildContext(root);
  if (file === '-')
    return { context, dockerfile: (await readAll(ctx.stdin)).toString('utf8'), name: '-', cleanup: () => {} };
  const p = file ? path.resolve(file) : path.join(root, 'Dockerfile');
  return { context, dockerfile: readDockerfile(p), name: file ? path.basename(file) : 'Dockerfile', cleanup: () => {} };
}

function buildArgs(values: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const v of values) {
    const eq = v.indexOf('=');
    // `--build-arg NAME` takes the value from the environment, as the docker CLI does (unset: not sent)
    if (eq < 0) {
      if (process.env[v] !== undefined) out.set(v, process.env[v]);
    } else out.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return out;
}

export const imageBuild = command({
  name: 'image build',
  aliases: [['build'], ['builder', 'build']],
  usage: '[OPTIONS] PATH | URL | -',
  description: 'Build an image from a Dockerfile',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'build-arg', kind: 'list', valueName: 'list', help: 'Set build-time variables' },
    {
      long: 'file',
      short: 'f',
      kind: 'string',
      valueName: 'string',
      help: "Name of the Dockerfile (Default is 'PATH/Dockerfile')",
    },
    { long: 'force-rm', kind: 'bool', help: 'Always remove intermediate containers' },
    { long: 'iidfile', kind: 'string', valueName: 'string', help: 'Write the image ID to the file' },
    { long: 'label', kind: 'list', valueName: 'list', help: 'Set metadata for an image' },
    {
      long: 'network',
      kind: 'string',
      valueName: 'string',
      default: 'default',
      help: 'Set the networking mode for the RUN instructions during build',
    },
    { long: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
    QUIET_FLAG('Suppress the build output and print image ID on success'),
    { long: 'rm', kind: 'bool', default: true, help: 'Remove intermediate containers after a successful build' },
    {
      long: 'tag',
      short: 't',
      kind: 'list',
      valueName: 'list',
      help: 'Name and optionally a tag in the "name:tag" format',
    },
    { long: 'target', kind: 'string', valueName: 'string', help: 'Set the target build stage to build.' },
  ],
  async run(ctx, [source], flags) {
    const tags = flags.tag.map((t) => {
      try {
        return parseTagTarget(t);
      } catch (e) {
        throw cliError(`invalid argument "${t}" for "-t, --tag" flag: ${(e as Error).message}`);
      }
    });
    const iidfile = flags.iidfile;
    if (iidfile) fs.rmSync(iidfile, { force: true }); // no stale ID if the build fails
    const quiet = flags.quiet;
    const { context, dockerfile, name, cleanup } = await openContext(ctx, source, flags.file || undefined);
    const stderrColor = ctx.stdout.isTTY ? colored(ctx.stdout) : ctx.stdout;
    // -q: the output is kept, and shown on stderr only if the build fails (as Docker does)
    const kept: Buffer[] = [];
    const keep = new Writable({
      write: (c: Buffer, _e, cb) => {
        kept.push(Buffer.from(c));
        cb();
      },
    });
    const out: BuildOutput = quiet
      ? { line: (s) => kept.push(Buffer.from(s)), stdout: keep, stderr: keep }
      : { line: (s) => ctx.out(s), stdout: ctx.stdout, stderr: stderrColor };
    try {
      if (parseDockerfile(dockerfile).instructions.length === 0)
        throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
      const builder = new Builder(ctx.store, ctx.images, ctx.containers, {
        dockerfile,
        context,
        buildArgs: buildArgs(flags['build-arg']),
        labels: parseLabels(flags.label),
        noCache: flags['no-cache'],
        rm: flags.rm,
        forceRm: flags['force-rm'],
        target: flags.target || undefined,
        network: flags.network,
        runtime: ctx.globals.runtime,
        out,
        pull: (image) => pullAndReport(ctx, image, { quiet, out: ctx.stdout }),
      });
      // interrupted: the RUN container at work is removed before the CLI goes (exit 130/143 as a
      // shell); the build, which sees its RUN killed meanwhile, must not exit first
      let interrupted: Promise<never> | undefined;
      const stops = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
        const h = () => {
          interrupted ??= builder.cancel().then(() => {
            cleanup(); // a context unpacked from stdin
            return process.exit(sig === 'SIGINT' ? 130 : 143);
          });
        };
        process.once(sig, h);
        return [sig, h] as const;
      });
      let id;
      try {
        id = await builder.build();
      } catch (e) {
        if (interrupted) await interrupted;
        throw e;
      } finally {
        for (const [sig, h] of stops) process.off(sig, h);
      }
      for (const t of tags) ctx.images.tag(id, familiarString(t));
      if (iidfile) fs.writeFileSync(iidfile, id);
      if (quiet) ctx.out(`${id}\n`);
      else {
        ctx.out(`Successfully built ${id.slice(7, 19)}\n`);
        for (const t of tags) ctx.out(`Successfully tagged ${familiarString(t)}\n`);
      }
      return 0;
    } catch (e) {
      if (quiet) ctx.stderr.write(Buffer.concat(kept));
      if (e instanceof StepFailedError) {
        ctx.err(`${e.message}\n`);
        return e.code;
      }
      if (e instanceof DockerfileParseError) throw invalidArgument(e.message);
      throw e;
    } finally {
      cleanup();
      await ctx.containers.flush();
    }
  },
});

/** A step's stderr on a terminal: in red, as the docker CLI shows it. */
function colored(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      stream.write(`\x1b[91m${chunk.toString()}\x1b[0m`);
      cb();
    },
  });
}
