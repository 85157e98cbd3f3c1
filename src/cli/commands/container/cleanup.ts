// `container cleanup`: conmon's hook when a container exits.
import fs from 'node:fs';
import { storeDbPath } from '../../../engine/store';
import { StowageError } from '../../../errdefs';
import { command } from '../../command';

/** Run by conmon when a container exits (podman's `container cleanup`). */
export const containerCleanup = command({
  name: 'container cleanup',
  usage: 'CONTAINER',
  description: 'Release the resources of an exited container (run by the container monitor)',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'run', kind: 'string', valueName: 'string', help: 'The run that ended (conmon passes it)' },
    // read by the native front end, which waits for that process's own clean-up (native/launcher.c)
    {
      long: 'owner',
      kind: 'string',
      valueName: 'string',
      help: 'The process (PID:START) the container was attached to, which releases the run itself',
    },
  ],
  async run(ctx, [id], flags) {
    // the store was removed meanwhile (system reset): nothing to release, and nothing to recreate
    if (!fs.existsSync(storeDbPath(ctx.globals.root))) return;
    try {
      await ctx.containers.cleanup(id, flags.run || undefined);
    } catch (e) {
      if (!(e instanceof StowageError)) throw e;
    }
  },
});
