// Engine API routes for volumes: list, inspect, create, remove, prune.
import { invalidArgument } from '../errdefs';
import { VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS } from '../engine/volumes';
import { filtersOf } from './images';
import { flag, sendJson, type Route } from './server';

export const VOLUME_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/volumes$/,
    async handler(ctx, r, res) {
      const f = filtersOf(r.query);
      for (const k of f.keys()) if (!VOLUME_LIST_FILTERS.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
      sendJson(res, 200, { Volumes: ctx.volumes.list(f).map((v) => ctx.volumes.inspect(v)), Warnings: null });
    },
  },
  {
    method: 'POST',
    re: /^\/volumes\/create$/,
    async handler(ctx, r, res) {
      const b = await r.json<{
        Name?: string;
        Driver?: string;
        DriverOpts?: Record<string, string> | null;
        Labels?: Record<string, string> | null;
      }>();
      const v = ctx.volumes.create(b.Name || undefined, {
        driver: b.Driver,
        labels: b.Labels ?? {},
        driverOpts: b.DriverOpts ?? undefined,
      });
      sendJson(res, 201, ctx.volumes.inspect(v));
    },
  },
  {
    method: 'POST',
    re: /^\/volumes\/prune$/,
    async handler(ctx, r, res) {
      const f = filtersOf(r.query);
      for (const k of f.keys()) if (!VOLUME_PRUNE_FILTERS.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
      // API 1.41 (Docker 20.10) prunes named volumes too; 1.42 keeps them unless all=true
      const { removed, reclaimed } = ctx.volumes.prune(f, r.apiVersion < 1.42);
      sendJson(res, 200, { VolumesDeleted: removed.length ? removed : null, SpaceReclaimed: reclaimed });
    },
  },
  {
    method: 'GET',
    re: /^\/volumes\/([^/]+)$/,
    async handler(ctx, r, res) {
      sendJson(res, 200, ctx.volumes.inspect(ctx.volumes.find(r.params[0])));
    },
  },
  {
    method: 'DELETE',
    re: /^\/volumes\/([^/]+)$/,
    async handler(ctx, r, res) {
      ctx.volumes.remove(r.params[0], flag(r.query, 'force'));
      res.writeHead(204).end();
    },
  },
];
