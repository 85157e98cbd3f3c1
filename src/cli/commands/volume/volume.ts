// `volume create / ls / inspect / rm / prune`.
import { invalidArgument } from '../../../errdefs';
import type { Volume } from '../../../volume/store';
import { INSPECT_FORMAT_FLAG, FILTER_FLAG, FORMAT_FLAG, NO_PROMPT_FLAG, QUIET_FLAG, eachArg, type Command } from '../../command';
import type { Ctx } from '../../context';
import { boolFilter, labelMatches, parseFilters } from '../../../engine/filters';
import { formatRows, labelsColumn } from '../../output/table';
import { humanSize } from '../../../util/units';
import { confirm } from '../image/prune';
import { VOLUME_INSPECT } from '../../output/docker-types';
import { printInspect } from '../image/inspect';
import type { Pruned } from '../container/lifecycle';

function labels(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

export function volumeInspect(v: Volume): Record<string, unknown> {
  return { CreatedAt: v.createdAt, Driver: 'local', Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: {}, Scope: 'local' };
}

export const volumeCreate: Command = {
  name: 'volume create',
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  maxArgs: 1,
  flags: [
    { long: 'driver', short: 'd', kind: 'string', valueName: 'string', default: 'local', help: 'Specify volume driver name' },
    { long: 'label', kind: 'list', help: 'Set metadata for a volume' },
    { long: 'name', kind: 'string', valueName: 'string', help: 'Specify volume name', hidden: true },
  ],
  run(ctx, args, flags) {
    if (flags.driver !== 'local') throw invalidArgument(`error looking up volume plugin ${flags.driver}: plugin "${flags.driver}" not found`);
    const name = args[0] ?? ((flags.name as string) || undefined);
    ctx.out(`${ctx.containers.volumes.create(name, { labels: labels(flags.label as string[]) }).name}\n`);
  },
};

function filtered(ctx: Ctx, raw: unknown): Volume[] {
  const f = parseFilters(raw, ['dangling', 'name', 'label', 'driver']);
  const dangling = boolFilter(f.get('dangling'), 'dangling');
  return ctx.containers.volumes.list().filter(
    (v) =>
      (dangling === undefined || (ctx.containers.volumeUsers(v.name).length === 0) === dangling) &&
      (!f.get('name') || f.get('name')!.some((n) => v.name.includes(n))) &&
      (!f.get('driver') || f.get('driver')!.includes('local')) &&
      labelMatches(f.get('label'), v.labels),
  );
}

export const volumeList: Command = {
  name: 'volume ls',
  aliases: [['volume', 'list']],
  usage: '[OPTIONS]',
  description: 'List volumes',
  maxArgs: 0,
  flags: [FILTER_FLAG, FORMAT_FLAG, QUIET_FLAG('Only display volume names')],
  run(ctx, _args, flags) {
    const rows = filtered(ctx, flags.filter).map((v) => ({
      Driver: 'local', Name: v.name, Mountpoint: v.mountpoint, Scope: 'local', CreatedAt: v.createdAt,
      Labels: labelsColumn(v.labels), Links: String(ctx.containers.volumeUsers(v.name).length), Size: 'N/A',
    }));
    ctx.out(
      formatRows(flags.quiet ? '{{.Name}}' : (flags.format as string), rows, {
        defaultFormat: 'table {{.Driver}}\t{{.Name}}',
        headers: { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', CreatedAt: 'CREATED', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' },
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
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format as string, (n) => ({ value: volumeInspect(ctx.containers.volumes.mustGet(n)), type: VOLUME_INSPECT })),
};

export const volumeRemove: Command = {
  name: 'volume rm',
  aliases: [['volume', 'remove']],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  run: (ctx, args, flags) => eachArg(ctx, args, (name) => ctx.containers.volumes.remove(name, ctx.containers.volumeUsers(name), flags.force as boolean)),
};

export const volumePrune: Command = {
  name: 'volume prune',
  usage: '[OPTIONS]',
  description: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { long: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "label=<label>")' },
    NO_PROMPT_FLAG,
  ],
  async run(ctx, _args, flags) {
    if (!flags.force && !(await confirm(ctx, 'WARNING! This will remove anonymous local volumes not used by at least one container.'))) return 0;
    const { output, reclaimed } = pruneVolumes(ctx, flags.all as boolean, flags.filter);
    if (output) ctx.out(`${output}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
};

export function pruneVolumes(ctx: Ctx, all: boolean, filters: unknown = []): Pruned {
  const removed: string[] = [];
  let reclaimed = 0;
  for (const v of filtered(ctx, filters)) {
    if ((!all && !v.anonymous) || ctx.containers.volumeUsers(v.name).length) continue;
    reclaimed += ctx.containers.volumes.size(v.name);
    ctx.containers.volumes.remove(v.name, []);
    removed.push(v.name);
  }
  return { output: removed.length ? `Deleted Volumes:\n${removed.join('\n')}\n` : '', reclaimed };
}
