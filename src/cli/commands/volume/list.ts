// `volume ls`.
import { FILTER_FLAG, FORMAT_FLAG, QUIET_FLAG, type Command } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { VOLUME_LIST_FILTERS } from '../../../engine/volumes';
import { formatRows, labelsColumn } from '../../output/table';

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
