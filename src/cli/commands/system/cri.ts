// `system cri`: serve the Kubernetes CRI (v1 RuntimeService and ImageService,
// gRPC) on a unix socket until stopped, so the kubelet, crictl and critest drive
// stowage. The services load only here: no other command pays for gRPC.
import { loadCriConfig, socketPath } from '../../../cri/config';
import { command } from '../../command';

export const systemCri = command({
  name: 'system cri',
  usage: '[OPTIONS] [URI]',
  description: 'Serve the Kubernetes CRI (runtime and image services) on a unix socket',
  maxArgs: 1,
  flags: [
    {
      long: 'config',
      kind: 'string',
      valueName: 'file',
      help: 'CRI configuration file (TOML, or JSON by its .json name; default /etc/stowage/cri.toml if it exists)',
    },
  ],
  async run(ctx, [uri], flags) {
    const config = loadCriConfig(ctx.globals.runroot, flags.config || undefined);
    if (uri) config.socket = socketPath(uri);
    const { startCriServer } = await import('../../../cri/server');
    const debug = ctx.globals.logLevel === 'debug' || process.env.STOWAGE_DEBUG === '1';
    const server = await startCriServer(ctx, config, {
      debug: (m) => debug && ctx.err(`${new Date().toISOString()} ${m}\n`),
      error: (m) => ctx.err(`${new Date().toISOString()} ${m}\n`),
    });
    ctx.err(
      `CRI listening on unix://${server.socket}${server.streamingUrl ? `, streaming on ${server.streamingUrl}` : ''}\n`,
    );
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
    });
    await server.close();
    return 0;
  },
});
