// `system dns`: a user-defined network's DNS resolver, started detached by the
// commands that attach a container to the network (src/network/dns-resolvers.ts;
// they run dist/stowage-dns.js, the same with less loaded, when it is built).
import { serveResolverProcess } from '../../../network/dns-server';
import { command } from '../../command';

/** Run by stowage itself, one per network (as podman's aardvark-dns). */
export const systemDns = command({
  name: 'system dns',
  usage: 'NETWORK-ID',
  description: "Serve a network's container names by DNS on its gateway (started by stowage when a container joins)",
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [networkId]) {
    await serveResolverProcess(ctx.globals.root, ctx.globals.runroot, networkId);
  },
});
