// `system dns`: a user-defined network's DNS resolver, started detached by the
// commands that attach a container to the network (src/network/dns-resolvers.ts).
import fs from 'node:fs';
import { serveNetworkDns } from '../../../network/dns-server';
import { command } from '../../command';

/** Run by stowage itself, one per network (as podman's aardvark-dns). */
export const systemDns = command({
  name: 'system dns',
  usage: 'NETWORK-ID',
  description: "Serve a network's container names by DNS on its gateway (started by stowage when a container joins)",
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [networkId]) {
    const upstream = process.env.STOWAGE_DNS_UPSTREAM;
    await serveNetworkDns({
      root: ctx.globals.root,
      runroot: ctx.globals.runroot,
      networkId,
      ...(upstream ? { upstream: upstream.split(',').filter(Boolean) } : {}),
      ...(process.env.STOWAGE_DNS_IDLE_MS ? { idleMs: Number(process.env.STOWAGE_DNS_IDLE_MS) } : {}),
      // the starter reads one line from the pipe, then closes it
      say: (line) => {
        try {
          fs.writeSync(1, `${line}\n`);
        } catch {
          // the starter is gone: nobody to tell
        }
      },
    });
  },
});
