// Engine API routes around running containers: export, top, stats (one-shot
// and streamed), rename, update, prune.
import { read, statsJson, type Reading } from '../engine/container-stats';
import { containerTop } from '../engine/container-top';
import { exportContainer } from '../engine/cp';
import { invalidArgument } from '../errdefs';
import { filtersOf } from './images';
import { flag, sendJson, type Route } from './server';
import { streamSink } from '../tar/writer';

interface UpdateBody {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  PidsLimit?: number | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const CONTAINER_OPS_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/export$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await exportContainer(ctx.containers, c, streamSink(res));
      res.end();
    },
  },
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/top$/,
    async handler(ctx, r, res) {
      const args = (r.query.get('ps_args') ?? '').split(/\s+/).filter(Boolean);
      sendJson(res, 200, await containerTop(ctx.containers, r.params[0], args));
    },
  },
  {
    // stream=true (default): one reading a second until the client goes or the
    // container stops; stream=false: one, with the CPU baseline of a second before
    // (none with one-shot=true)
    method: 'GET',
    re: /^\/containers\/([^/]+)\/stats$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      const stream = r.query.get('stream') === null || flag(r.query, 'stream');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let prev: Reading | undefined;
      if (!stream) {
        if (!flag(r.query, 'one-shot')) {
          prev = read(c);
          await sleep(1000);
        }
        res.end(`${JSON.stringify(statsJson(c, prev, read(ctx.containers.find(c.record.id))))}\n`);
        return;
      }
      while (!res.destroyed) {
        const cur = ctx.containers.find(c.record.id);
        const reading = read(cur);
        res.write(`${JSON.stringify(statsJson(cur, prev, reading))}\n`);
        prev = reading;
        if (!['running', 'paused'].includes(cur.state.Status)) break;
        await sleep(1000);
      }
      res.end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/rename$/,
    async handler(ctx, r, res) {
      const name = r.query.get('name');
      if (!name) throw invalidArgument('Neither old nor new names may be empty');
      await ctx.containers.rename(r.params[0], name);
      res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/update$/,
    async handler(ctx, r, res) {
      const b = await r.json<UpdateBody>();
      await ctx.containers.update(r.params[0], {
        memory: b.Memory || undefined,
        memorySwap: b.MemorySwap || undefined,
        cpus: b.NanoCpus ? b.NanoCpus / 1e9 : undefined,
        pidsLimit: b.PidsLimit ?? undefined,
        restartPolicy:
          b.RestartPolicy?.Name !== undefined
            ? { Name: b.RestartPolicy.Name, MaximumRetryCount: b.RestartPolicy.MaximumRetryCount ?? 0 }
            : undefined,
      });
      sendJson(res, 200, { Warnings: [] });
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/prune$/,
    async handler(ctx, r, res) {
      const { removed, reclaimed } = await ctx.containers.prune(filtersOf(r.query));
      sendJson(res, 200, { ContainersDeleted: removed.length ? removed : null, SpaceReclaimed: reclaimed });
    },
  },
];
