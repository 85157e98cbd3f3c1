// Engine API routes that make or send images: commit, changes (`docker diff`),
// build (the classic builder, a tar context in the body) and push. Their
// progress goes out as Docker's JSON message stream.
import fs from 'node:fs';
import type http from 'node:http';
import { Writable } from 'node:stream';
import { peek } from '../tar/decompress';
import { Builder, StepFailedError } from '../builder/builder';
import { BuildContext, dockerfileIn, unpackContext } from '../builder/context';
import { parseDockerfile } from '../builder/dockerfile';
import { commitContainer, containerChanges } from '../engine/commit';
import { invalidArgument } from '../errdefs';
import { familiarString, fullString, parseNormalized, parseTagTarget } from '../reference';
import { decodeRegistryAuthHeader, decodeRegistryConfigHeader, pullImage, pushImage } from '../registry';
import { flag, sendJson, type Route } from './server';

const KIND = { C: 0, A: 1, D: 2 } as const;

/** Writes one JSON message per line, as the docker CLI's jsonmessage reads them. */
function messages(res: http.ServerResponse): (m: Record<string, unknown>) => void {
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  return (m) => void res.write(`${JSON.stringify(m)}\n`);
}

/** A stream whose text goes out as {"stream": ...} messages (stderr's in red, as Docker's stderr writer sends it). */
function streamOf(send: (m: Record<string, unknown>) => void, colour?: [string, string]): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      send({ stream: colour ? `${colour[0]}${chunk.toString()}${colour[1]}` : chunk.toString() });
      cb();
    },
  });
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the JSON they expect; the value is checked where it is used
const jsonParam = <T>(q: URLSearchParams, name: string): T | undefined => {
  const v = q.get(name);
  try {
    return v ? (JSON.parse(v) as T) : undefined;
  } catch {
    // any parse failure means the same thing to the client: the parameter is not JSON
    throw invalidArgument(`invalid ${name}: ${v}`);
  }
};

export const BUILD_PUSH_ROUTES: Route[] = [
  {
    // the classic builder's cache is made of images, pruned with them: no build cache of its own
    method: 'POST',
    re: /^\/build\/prune$/,
    async handler(_ctx, _r, res) {
      sendJson(res, 200, { CachesDeleted: null, SpaceReclaimed: 0 });
    },
  },
  {
    method: 'POST',
    re: /^\/commit$/,
    async handler(ctx, r, res) {
      const container = r.query.get('container') ?? '';
      const repo = r.query.get('repo');
      const tag = r.query.get('tag');
      const id = await commitContainer(ctx.store, ctx.images, ctx.containers, container, {
        ref: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
        author: r.query.get('author') ?? undefined,
        message: r.query.get('comment') ?? undefined,
        changes: r.query.getAll('changes'),
        pause: r.query.get('pause') !== '0' && r.query.get('pause') !== 'false',
      });
      sendJson(res, 201, { Id: id });
    },
  },
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/changes$/,
    async handler(ctx, r, res) {
      sendJson(
        res,
        200,
        containerChanges(ctx.store, ctx.containers, r.params[0]).map((c) => ({ Path: c.path, Kind: KIND[c.kind] })),
      );
    },
  },
  {
    method: 'POST',
    re: /^\/images\/(.+)\/push$/,
    async handler(ctx, r, res) {
      const base = parseNormalized(r.params[0]);
      const ref = { domain: base.domain, path: base.path, tag: r.query.get('tag') || base.tag || 'latest' };
      const id = ctx.images.resolveId(fullString(ref));
      // (no header: no credentials, as Docker's daemon has none of its own)
      const auth = decodeRegistryAuthHeader(r.req.headers['x-registry-auth'] as string | undefined) ?? {};
      // the answer begins with the first message: a failure before it is an HTTP error
      let started = false;
      const send = (m: object) => {
        if (!started) {
          started = true;
          messages(res)({ status: `The push refers to repository [${ref.domain}/${ref.path}]` });
        }
        messages(res)(m as Record<string, unknown>);
      };
      try {
        const out = await pushImage(ctx.store, id, ref, { auth, onProgress: send });
        send({ status: `${ref.tag}: digest: ${out.digest} size: ${out.size}` });
        send({ progressDetail: {}, aux: { Tag: ref.tag, Digest: out.digest, Size: out.size } });
      } catch (e) {
        if (!started) throw e;
        send({ errorDetail: { message: (e as Error).message }, error: (e as Error).message });
      }
      res.end();
    },
  },
  {
    // the classic builder: the body is the context as a tar (maybe compressed)
    method: 'POST',
    re: /^\/build$/,
    async handler(ctx, r, res) {
      const q = r.query;
      const tags = q.getAll('t').map((t) => parseTagTarget(t));
      const dir = ctx.store.tmpDir('context');
      try {
        const { head, stream } = await peek(r.req as AsyncIterable<Buffer>, 6);
        await unpackContext(head, stream, dir);
        const name = q.get('dockerfile') || 'Dockerfile';
        const dockerfile = dockerfileIn(dir, name);
        if (dockerfile === undefined) throw invalidArgument(`Cannot locate specified Dockerfile: ${name}`);
        if (parseDockerfile(dockerfile).instructions.length === 0)
          throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
        // parameters read before the answer begins: a bad one is a 400, not a cut stream
        const buildArgs = new Map(
          Object.entries(jsonParam<Record<string, string | null>>(q, 'buildargs') ?? {}).map(([k, v]) => [
            k,
            v ?? undefined,
          ]),
        );
        const labels = jsonParam<Record<string, string>>(q, 'labels') ?? {};
        const registryAuth = decodeRegistryConfigHeader(r.req.headers['x-registry-config'] as string | undefined);
        const send = messages(res);
        const quiet = flag(q, 'q');
        const out = streamOf(send);
        const err = streamOf(send, ['\x1b[91m', '\x1b[0m']);
        // an image named here that is missing is skipped, as Docker does (it only logs a warning)
        const cacheNames = jsonParam<string[]>(q, 'cachefrom') ?? [];
        const cacheFrom = cacheNames.flatMap((n) => {
          try {
            return [ctx.images.resolveId(n)];
          } catch {
            // a cache-from image that does not resolve is skipped, as Docker only warns about it
            return [];
          }
        });
        const builder = new Builder(ctx.store, ctx.images, ctx.containers, {
          dockerfile,
          context: new BuildContext(dir),
          buildArgs,
          labels,
          noCache: flag(q, 'nocache'),
          rm: q.get('rm') !== '0' && q.get('rm') !== 'false',
          forceRm: flag(q, 'forcerm'),
          target: q.get('target') || undefined,
          network: q.get('networkmode') || 'default',
          runtime: ctx.globals.runtime,
          extraHosts: q
            .getAll('extrahosts')
            .flatMap((h) => h.split(','))
            .filter(Boolean),
          cacheFrom: cacheNames.length ? cacheFrom : undefined,
          out: quiet
            ? {
                line: () => {},
                stdout: new Writable({ write: (_c, _e, cb) => cb() }),
                stderr: new Writable({ write: (_c, _e, cb) => cb() }),
              }
            : { line: (s) => send({ stream: s }), stdout: out, stderr: err },
          pull: async (image) => {
            const ref = parseNormalized(image);
            return (await pullImage(ctx.store, ctx.images, ref, { auth: registryAuth(ref.domain) ?? {} })).id;
          },
        });
        try {
          const id = await builder.build();
          for (const t of tags) ctx.images.tag(id, familiarString(t));
          send({ aux: { ID: id } });
          if (!quiet) {
            send({ stream: `Successfully built ${id.slice(7, 19)}\n` });
            for (const t of tags) send({ stream: `Successfully tagged ${familiarString(t)}\n` });
          }
        } catch (e) {
          const code = e instanceof StepFailedError ? e.code : 1;
          send({ errorDetail: { code, message: (e as Error).message }, error: (e as Error).message });
        }
        res.end();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await ctx.containers.flush();
      }
    },
  },
];
