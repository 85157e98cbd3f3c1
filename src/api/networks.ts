// Engine API routes for networks: list, inspect, create, remove, prune,
// connect and disconnect, over the engine's network service.
import { invalidArgument } from '../errdefs';
import { NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS } from '../engine/networks';
import type { Filters } from '../engine/filters';
import { endpointOptions, type EndpointSettings } from './containers';
import { filtersOf } from './images';
import { sendJson, type Route } from './server';

interface CreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: Array<{
      Subnet?: string;
      IPRange?: string;
      Gateway?: string;
      AuxiliaryAddresses?: Record<string, string>;
    }> | null;
    Options?: Record<string, string> | null;
  } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

interface ConnectBody {
  Container?: string;
  Force?: boolean;
  EndpointConfig?: EndpointSettings | null;
}

function checked(f: Filters, accepted: string[]): Filters {
  for (const k of f.keys()) if (!accepted.includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
  return f;
}

export const NETWORK_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/networks$/,
    async handler(ctx, r, res) {
      const nets = await ctx.networks.list(checked(filtersOf(r.query), NETWORK_LIST_FILTERS));
      sendJson(
        res,
        200,
        nets.map((n) => ctx.networks.inspect(n)),
      );
    },
  },
  {
    method: 'POST',
    re: /^\/networks\/create$/,
    async handler(ctx, r, res) {
      const b = await r.json<CreateBody>();
      if (!b.Name) throw invalidArgument('network name must not be empty');
      if (b.IPAM?.Driver && b.IPAM.Driver !== 'default')
        throw invalidArgument(`IPAM driver "${b.IPAM.Driver}" not found`);
      const configs = b.IPAM?.Config ?? [];
      // one pool per family (IPv6 ones by their subnet, as libnetwork splits them)
      const v6 = configs.filter((c) => c.Subnet?.includes(':'));
      const v4 = configs.filter((c) => !c.Subnet?.includes(':'));
      if (v4.length > 1 || v6.length > 1) throw invalidArgument("bridge driver doesn't support multiple subnets");
      const ipam = v4[0] ?? {};
      const ipv6 = v6[0];
      // Docker's API checks names only when asked (the docker CLI always asks); a duplicate gets a warning
      const same = b.CheckDuplicate ? undefined : await ctx.networks.named(b.Name);
      const net = await ctx.networks.create(b.Name, {
        checkDuplicate: !!b.CheckDuplicate,
        driver: b.Driver || 'bridge',
        subnet: ipam.Subnet || undefined,
        gateway: ipam.Gateway || undefined,
        ipRange: ipam.IPRange || undefined,
        auxAddresses: ipam.AuxiliaryAddresses ?? undefined,
        internal: !!b.Internal,
        enableIPv6: !!b.EnableIPv6,
        ...(ipv6?.Subnet
          ? {
              ipv6: {
                subnet: ipv6.Subnet,
                ...(ipv6.Gateway ? { gateway: ipv6.Gateway } : {}),
                ...(ipv6.IPRange ? { ipRange: ipv6.IPRange } : {}),
              },
            }
          : {}),
        labels: b.Labels ?? {},
        options: b.Options ?? {},
      });
      sendJson(res, 201, {
        Id: net.id,
        Warning: same ? `Network with name ${same.name} (id : ${same.id}) already exists` : '',
      });
    },
  },
  {
    method: 'POST',
    re: /^\/networks\/prune$/,
    async handler(ctx, r, res) {
      const removed = await ctx.networks.prune(checked(filtersOf(r.query), NETWORK_PRUNE_FILTERS));
      sendJson(res, 200, { NetworksDeleted: removed.length ? removed : null });
    },
  },
  {
    method: 'GET',
    re: /^\/networks\/([^/]+)$/,
    async handler(ctx, r, res) {
      sendJson(res, 200, ctx.networks.inspect(await ctx.networks.find(r.params[0])));
    },
  },
  {
    method: 'DELETE',
    re: /^\/networks\/([^/]+)$/,
    async handler(ctx, r, res) {
      await ctx.networks.remove(r.params[0]);
      res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    re: /^\/networks\/([^/]+)\/(connect|disconnect)$/,
    async handler(ctx, r, res) {
      const b = await r.json<ConnectBody>();
      if (!b.Container) throw invalidArgument('no container given');
      if (r.params[1] === 'connect') {
        await ctx.networks.connect(b.Container, r.params[0], endpointOptions(b.EndpointConfig ?? {}));
      } else {
        await ctx.networks.disconnect(b.Container, r.params[0], !!b.Force);
      }
      res.writeHead(200).end();
    },
  },
];
