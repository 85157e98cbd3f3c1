// `container cleanup`: conmon's hook when a container exits.
import fs from 'node:fs';
import { storeDbPath } from '../../../engine/store';
import { StowageError } from '../../../errdefs';
import { type Command } from '../../command';

/** Run by conmon when a container exits (podman's `container cleanup`). */
export const containerCleanup: Command = {
  name: 'container cleanup',
  usage: 'CONTAINER',
  description: 'Release the resources of an exited container (run by the container monitor)',
  minArgs: 1,
  maxArgs: 1,
  flags: [{ long: 'run', kind: 'string', valueName: 'string', help: 'The run that ended (conmon passes it)' }],
  async run(ctx, [id], flags) {
    // the store was removed meanwhile (system reset): nothing to release, and nothing to recreate
    if (!fs.existsSync(storeDbPath(ctx.globals.root))) return;
    try {
      await ctx.containers.cleanup(id, (flags.run as string) || undefined);
    } catch (e) {
      if (!(e instanceof StowageError)) throw e;
    }
  },
};
