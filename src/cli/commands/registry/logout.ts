// `logout`: the credentials kept for a registry erased (config.json or the credential helper).
import { convertToHostname, eraseCredentials, INDEX_SERVER } from '../../../registry';
import type { Command } from '../../command';

export const logoutCmd: Command = {
  name: 'logout',
  usage: '[SERVER]',
  description: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  maxArgs: 1,
  async run(ctx, args) {
    const server = args[0] || INDEX_SERVER;
    const host = server === INDEX_SERVER ? server : convertToHostname(server);
    const keys = server === INDEX_SERVER ? [server] : [...new Set([server, host, `http://${host}`, `https://${host}`])];
    ctx.out(`Removing login credentials for ${host}\n`);
    const errors: string[] = [];
    for (const k of keys) {
      try {
        eraseCredentials(k);
      } catch (e) {
        errors.push(`${k}: ${(e as Error).message}`);
      }
    }
    if (errors.length === keys.length) ctx.err(`WARNING: could not erase credentials:\n${errors.join('\n')}\n`);
  },
};
