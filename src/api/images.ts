// Engine API routes for images: list, inspect, history, tag, remove, pull
// (images/create), save (images/get) and load, in Docker's JSON shapes.
import { Readable } from 'node:stream';
import { imageHistory, listImages, type ImageSummary } from '../engine/image-queries';
import { loadArchive } from '../archive/load';
import { resolveSaveTargets, saveImages } from '../archive/save';
import { streamSink } from '../tar/writer';
import { NO_PROGRESS } from '../util/progress';
import { imageInspect } from '../engine/image-inspect';
import { invalidArgument } from '../errdefs';
import { familiarString, parseNormalized, withDefaultTag } from '../reference';
import { decodeRegistryAuthHeader, pullImage } from '../registry';
import type { ServerResponse } from 'node:http';
import type { Engine } from '../engine/engine';
import { AnswerCache } from './answer-cache';
import { flag, sendJson, sendJsonBody, type ApiRequest, type Route } from './server';

/** ?filters={"key":["value"]} (or the old {"key":{"value":true}}) as the CLI's filter map. */
export function filtersOf(q: URLSearchParams): Map<string, string[]> {
  const raw = q.get('filters');
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let parsed: Record<string, string[] | Record<string, boolean>>;
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    // any parse failure means the same thing: the filters parameter is not JSON
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  for (const [k, v] of Object.entries(parsed)) out.set(k, Array.isArray(v) ? v : Object.keys(v));
  return out;
}

const unix = (ms: number) => Math.floor(ms / 1000);

/** Docker's types.ImageSummary. */
export function imageSummary(i: ImageSummary, sharedSize = -1) {
  return {
    Containers: i.containers,
    Created: unix(i.created),
    Id: i.id,
    Labels: i.labels,
    ParentId: i.parent,
    RepoDigests: i.repoDigests,
    RepoTags: i.repoTags,
    SharedSize: sharedSize,
    Size: i.size,
    VirtualSize: i.size,
  };
}

/** docker import: the body is the tarball (fromSrc=-); a URL would need a network this engine does not reach for. */
async function importImage(ctx: Engine, r: ApiRequest, res: ServerResponse, src: string): Promise<void> {
  if (src !== '-')
    throw invalidArgument(
      `importing from a URL is not supported: ${src} (send the archive in the request body, fromSrc=-)`,
    );
  const repo = r.query.get('repo');
  const tag = r.query.get('tag');
  const id = await ctx.images.importTarball(r.req as AsyncIterable<Buffer>, {
    ref: repo ? `${repo}${tag ? `:${tag}` : ''}` : undefined,
    changes: r.query.getAll('changes'),
    message: r.query.get('message') ?? undefined,
    sourceName: '-',
  });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify({ status: id })}\n`);
}

/** The image lists a service has answered, by query: `docker images` asks on every run. */
const imageListCaches = new WeakMap<Engine, AnswerCache>();
function imageLists(ctx: Engine): AnswerCache {
  let c = imageListCaches.get(ctx);
  if (!c) imageListCaches.set(ctx, (c = new AnswerCache(() => ctx.store.dataVersion())));
  return c;
}

export const IMAGE_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/images\/json$/,
    async handler(ctx, r, res) {
      const body = imageLists(ctx).get(r.query.toString(), () => {
        const list = listImages(ctx, { all: flag(r.query, 'all'), filters: filtersOf(r.query) });
        return Buffer.from(JSON.stringify(list.map((i) => imageSummary(i))));
      });
      sendJsonBody(res, 200, body);
    },
  },
  {
    method: 'GET',
    re: /^\/images\/(.+)\/json$/,
    async handler(ctx, r, res) {
      sendJson(res, 200, imageInspect(ctx.images, ctx.store.layers, ctx.images.resolve(r.params[0])));
    },
  },
  {
    method: 'GET',
    re: /^\/images\/(.+)\/history$/,
    async handler(ctx, r, res) {
      const items = imageHistory(ctx, r.params[0]);
      sendJson(
        res,
        200,
        items.map((h) => ({
          Comment: h.comment,
          Created: unix(h.created),
          CreatedBy: h.createdBy,
          Id: h.id,
          Size: h.size,
          Tags: h.tags.length ? h.tags : null,
        })),
      );
    },
  },
  {
    method: 'POST',
    re: /^\/images\/(.+)\/tag$/,
    async handler(ctx, r, res) {
      const repo = r.query.get('repo') ?? '';
      const tag = r.query.get('tag');
      ctx.images.tag(r.params[0], tag ? `${repo}:${tag}` : repo);
      res.writeHead(201).end();
    },
  },
  {
    method: 'DELETE',
    re: /^\/images\/(.+)$/,
    async handler(ctx, r, res) {
      const records = ctx.images.remove(r.params[0], {
        force: flag(r.query, 'force'),
        noPrune: flag(r.query, 'noprune'),
      });
      sendJson(
        res,
        200,
        records.map((x) => ('untagged' in x ? { Untagged: x.untagged } : { Deleted: x.deleted })),
      );
    },
  },
  {
    // pull: a stream of JSON messages, as the docker CLI shows them
    method: 'POST',
    re: /^\/images\/create$/,
    async handler(ctx, r, res) {
      const src = r.query.get('fromSrc');
      if (src !== null) return importImage(ctx, r, res, src);
      const from = r.query.get('fromImage');
      if (!from) throw invalidArgument('fromImage or fromSrc must be given');
      const tag = r.query.get('tag');
      const base = parseNormalized(from);
      const ref = withDefaultTag(tag ? (/^sha256:/.test(tag) ? { ...base, digest: tag } : { ...base, tag }) : base);
      // (no header: no credentials, as Docker's daemon has none of its own)
      const auth = decodeRegistryAuthHeader(r.req.headers['x-registry-auth'] as string | undefined) ?? {};
      // the answer begins with the first message: a failure before it (no such registry, no manifest) is an HTTP error
      const msg = (m: object) => {
        if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(`${JSON.stringify(m)}\n`);
      };
      try {
        const out = await pullImage(ctx.store, ctx.images, ref, {
          auth,
          platform: r.query.get('platform') || undefined,
          onProgress: msg,
        });
        msg({
          status: `Status: ${out.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(ref)}`,
        });
      } catch (e) {
        if (!res.headersSent) throw e;
        msg({ errorDetail: { message: (e as Error).message }, error: (e as Error).message });
      }
      res.end();
    },
  },
  {
    method: 'POST',
    re: /^\/images\/prune$/,
    async handler(ctx, r, res) {
      const { records, reclaimed } = ctx.images.prune({ filters: filtersOf(r.query) });
      const deleted = records.map((x) => (x.untagged ? { Untagged: x.untagged } : { Deleted: x.deleted }));
      sendJson(res, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
    },
  },
  {
    // save: every image named (?names=a&names=b), or the one in the path
    method: 'GET',
    re: /^\/images\/(?:(.+)\/)?get$/,
    async handler(ctx, r, res) {
      const targets = resolveSaveTargets(ctx.images, ctx.store, r.params[0] ? [r.params[0]] : r.query.getAll('names'));
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await saveImages(ctx.store, targets, streamSink(res), NO_PROGRESS);
      res.end();
    },
  },
  {
    method: 'POST',
    re: /^\/images\/load$/,
    async handler(ctx, r, res) {
      const lines: object[] = [];
      // a bad archive is a message in the 200 answer, as Docker's load reports it (SDKs look for it there)
      try {
        const loaded = await loadArchive(
          ctx.store,
          ctx.images,
          { stream: r.req as Readable },
          {
            progress: NO_PROGRESS,
            onRetag: (ref, oldId) =>
              lines.push({
                stream: `The image ${familiarString(ref)} already exists, renaming the old one with ID ${oldId} to empty string\n`,
              }),
          },
        );
        for (const l of loaded) {
          if (l.tags.length) for (const t of l.tags) lines.push({ stream: `Loaded image: ${familiarString(t)}\n` });
          else lines.push({ stream: `Loaded image ID: ${l.id}\n` });
        }
      } catch (e) {
        const message = (e as Error).message;
        lines.push({ errorDetail: { message }, error: message });
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(lines.map((m) => `${JSON.stringify(m)}\n`).join(''));
    },
  },
];
