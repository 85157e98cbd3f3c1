// `update`: a container's limits and restart policy, changed while it runs or not.
import { parseRestartPolicy } from '../../../container/restart-policy';
import { cliError } from '../../../errdefs';
import type { ResourceChanges } from '../../../engine/containers';
import { eachArg, type Command } from '../../command';
import { CREATE_FLAGS } from '../../create-flags';

const UPDATABLE = ['cpus', 'memory', 'memory-swap', 'pids-limit', 'restart'];

export const containerUpdate: Command = {
  name: 'container update',
  aliases: [['update']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Update configuration of one or more containers',
  minArgs: 1,
  // the same flags (and value checks) as run's, without run's default restart policy
  flags: CREATE_FLAGS.filter((f) => UPDATABLE.includes(f.long)).map((f) => ({ ...f, default: undefined })),
  run(ctx, args, flags) {
    const set = (k: string) => flags._changed.has(k);
    if (!UPDATABLE.some(set)) throw cliError('You must provide one or more flags when using this command.');
    const changes: ResourceChanges = {
      memory: set('memory') ? (flags.memory as number) : undefined,
      memorySwap: set('memory-swap') ? (flags['memory-swap'] as number) : undefined,
      cpus: set('cpus') ? (flags.cpus as number) : undefined,
      pidsLimit: set('pids-limit') ? (flags['pids-limit'] as number) : undefined,
      restartPolicy: set('restart') ? parseRestartPolicy(String(flags.restart)) : undefined,
    };
    return eachArg(ctx, args, (a) => ctx.containers.update(a, changes));
  },
};
