// `volume create / ls / inspect / rm / prune`.
import {
  INSPECT_FORMAT_FLAG,
  FILTER_FLAG,
  FORMAT_FLAG,
  NO_PROMPT_FLAG,
  PRUNE_FILTER_FLAG,
  QUIET_FLAG,
  eachArg,
  type Command,
} from '../../command';
import { parseFilters } from '../../../engine/filters';
import { VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS } from '../../../engine/volumes';
import { formatRows, labelsColumn } from '../../output/table';
import { humanSize } from '../../../util/units';
import { confirm, pruneVolumes } from '../../prune';
import { VOLUME_INSPECT } from '../../output/docker-types';
import { printInspect } from '../image/inspect';

function labels(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])),
  );
}

export const volumeCreate: Command = {
  name: 'volume create',
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  maxArgs: 1,
  flags: [
    {
      long: 'driver',
      short: 'd',
      kind: 'string',
      valueName: 'string',
      default: 'local',
      help: 'Specify volume driver name',
    },
    { long: 'label', kind: 'list', help: 'Set metadata for a volume' },
    { long: 'name', kind: 'string', valueName: 'string', help: 'Specify volume name', hidden: true },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options' },
  ],
  run(ctx, args, flags) {
    const name = args[0] ?? ((flags.name as string) || undefined);
    ctx.out(
      `${ctx.volumes.create(name, { driver: flags.driver as string, labels: labels(flags.label as string[]), driverOpts: labels(flags.opt as string[]) }).name}\n`,
    );
  },
};

export const volumeList: Command = {
  name: 'volume ls',
  aliases: [['volume', 'list']],
  usage: '[OPTIONS]',
  description: 'List volumes',
  maxArgs: 0,
  flags: [FILTER_FLAG, FORMAT_FLAG, QUIET_FLAG('Only display volume names')],
  run(ctx, _args, flags) {
    const rows = ctx.volumes.list(parseFilters(flags.filter, VOLUME_LIST_FILTERS)).map((v) => ({
      Driver: 'local',
      Name: v.name,
      Mountpoint: v.mountpoint,
      Scope: 'local',
      CreatedAt: v.createdAt,
      Labels: labelsColumn(v.labels),
      Links: String(ctx.volumes.users(v.name).length),
      Size: 'N/A',
    }));
    ctx.out(
      formatRows(flags.quiet ? '{{.Name}}' : (flags.format as string), rows, {
        defaultFormat: 'table {{.Driver}}\t{{.Name}}',
        headers: {
          Driver: 'DRIVER',
          Name: 'VOLUME NAME',
          Mountpoint: 'MOUNTPOINT',
          Scope: 'SCOPE',
          CreatedAt: 'CREATED',
          Labels: 'LABELS',
          Links: 'LINKS',
          Size: 'SIZE',
        },
      }),
    );
  },
};

export const volumeInspectCmd: Command = {
  name: 'volume inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  run: (ctx, args, flags) =>
    printInspect(ctx, args, flags.format as string, (n) => ({
      value: ctx.volumes.inspect(ctx.volumes.find(n)),
      type: VOLUME_INSPECT,
    })),
};

export const volumeRemove: Command = {
  name: 'volume rm',
  aliases: [['volume', 'remove']],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  run: (ctx, args, flags) => eachArg(ctx, args, (name) => ctx.volumes.remove(name, flags.force as boolean)),
};

export const volumePrune: Command = {
  name: 'volume prune',
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    PRUNE_FILTER_FLAG,
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, VOLUME_PRUNE_FILTERS);
    if (
      !flags.force &&
      !(await confirm(ctx, 'WARNING! This will remove anonymous local volumes not used by at least one container.'))
    )
      return 0;
    const { output, reclaimed } = pruneVolumes(ctx, flags.all as boolean, filters);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};
