// stop, restart, kill, rm, wait, rename, container prune, and conmon's cleanup hook.
import fs from 'node:fs';
import { storeDbPath } from '../../../engine/store';
import { isNotFound, StowageError } from '../../../errdefs';
import { eachArg, type Command, NO_PROMPT_FLAG, PRUNE_FILTER_FLAG } from '../../command';
import { errorOutput } from '../../exit';
import { confirm, pruneContainers } from '../../prune';
import { parseFilters } from '../../../engine/filters';
import { humanSize } from '../../../util/units';

const TIMEOUT_FLAG = {
  long: 'timeout',
  short: 't',
  kind: 'int' as const,
  help: 'Seconds to wait before killing the container',
  aliases: ['time'],
};

export const containerStop: Command = {
  name: 'container stop',
  aliases: [['stop']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  minArgs: 1,
  flags: [
    { long: 'signal', short: 's', kind: 'string', valueName: 'string', help: 'Signal to send to the container' },
    TIMEOUT_FLAG,
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.stop(
        a,
        flags._changed.has('timeout') ? (flags.timeout as number) : undefined,
        (flags.signal as string) || undefined,
      );
    }),
};

export const containerRestart: Command = {
  name: 'container restart',
  aliases: [['restart']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  minArgs: 1,
  flags: [
    { long: 'signal', short: 's', kind: 'string', valueName: 'string', help: 'Signal to send to the container' },
    TIMEOUT_FLAG,
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.restart(
        a,
        flags._changed.has('timeout') ? (flags.timeout as number) : undefined,
        (flags.signal as string) || undefined,
      );
    }),
};

export const containerKill: Command = {
  name: 'container kill',
  aliases: [['kill']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  minArgs: 1,
  flags: [
    {
      long: 'signal',
      short: 's',
      kind: 'string',
      valueName: 'string',
      help: 'Signal to send to the container',
      default: 'KILL',
    },
  ],
  run: (ctx, args, flags) =>
    eachArg(ctx, args, async (a) => {
      await ctx.containers.kill(a, String(flags.signal));
    }),
};

export const containerRemove: Command = {
  name: 'container rm',
  aliases: [['container', 'remove'], ['rm']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  run: (ctx, args, flags) =>
    eachArg(
      ctx,
      args,
      async (a) => {
        await ctx.containers.remove(a, { force: flags.force as boolean, volumes: flags.volumes as boolean });
      },
      // as docker: with -f a missing container is reported but is not a failure
      (e) => !!flags.force && isNotFound(e) && 'printed',
    ),
};

export const containerPause: Command = {
  name: 'container pause',
  aliases: [['pause']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Pause all processes within one or more containers',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, (a) => ctx.containers.pause(a, true)),
};

export const containerUnpause: Command = {
  name: 'container unpause',
  aliases: [['unpause']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Unpause all processes within one or more containers',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, (a) => ctx.containers.pause(a, false)),
};

export const containerWait: Command = {
  name: 'container wait',
  aliases: [['wait']],
  usage: 'CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  run: (ctx, args) => eachArg(ctx, args, async (a) => String(await ctx.containers.wait(a))),
};

export const containerRename: Command = {
  name: 'container rename',
  aliases: [['rename']],
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, [c, name]) {
    try {
      await ctx.containers.rename(c, name);
    } catch (e) {
      // as docker: the engine's error, then the CLI's own line
      ctx.err(errorOutput(e).message);
      ctx.err(`Error: failed to rename container named ${c}\n`);
      return 1;
    }
  },
};

export const containerPrune: Command = {
  name: 'container prune',
  usage: '[OPTIONS]',
  description: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [PRUNE_FILTER_FLAG, NO_PROMPT_FLAG],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, ['until', 'label', 'label!']);
    if (!flags.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    const { output, reclaimed } = await pruneContainers(ctx, filters);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};

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
