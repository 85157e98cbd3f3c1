// `system service`: serve the Docker Engine API on a unix socket until stopped,
// so the docker CLI (DOCKER_HOST=unix://...) and Docker SDKs can drive stowage.
import fs from 'node:fs';
import path from 'node:path';
import { ROUTES } from '../../../api/routes';
import { createApiServer } from '../../../api/server';
import { invalidArgument } from '../../../errdefs';
import { command } from '../../command';

export const systemService = command({
  name: 'system service',
  usage: '[OPTIONS] [URI]',
  description: 'Run an API service (the Docker Engine API on a unix socket)',
  maxArgs: 1,
  flags: [],
  async run(ctx, [uri]) {
    const socketPath = uri ? uri.replace(/^unix:\/\//, '') : path.join(ctx.globals.runroot, 'stowage.sock');
    if (uri && !/^(unix:\/\/)?\//.test(uri)) throw invalidArgument(`only unix sockets are served: ${uri}`);
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    fs.rmSync(socketPath, { force: true });
    const api = createApiServer(ctx, ROUTES);
    // the socket is made with its final mode: no moment in which others may connect
    const umask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => api.server.listen(socketPath, resolve).once('error', reject));
    } finally {
      process.umask(umask);
    }
    ctx.err(`API listening on unix://${socketPath}\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void api.close().then(resolve));
    });
    fs.rmSync(socketPath, { force: true });
    return 0;
  },
});
