// `ps` / `container ls`, with docker's columns, filters and status wording.
import { shortId } from '../../../digest';
import type { Container } from '../../../container/store';
import { command } from '../../command';
import { FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { commandLine, listContainers, PS_FILTERS, statusText } from '../../../engine/container-queries';
import { formatRows, labelsColumn } from '../../output/table';
import { ago, goTimeString, humanSize } from '../../../util/units';
import { ellipsis } from '../../output/table';
import { containerPorts } from '../../../engine/container-ports';
import { apiPorts, formatPsPorts } from '../../../network/ports';
import { connectedNetworks } from '../../../container/namespace-modes';

/** The PORTS column. */
function formatPortsColumn(c: Container): string {
  return formatPsPorts(apiPorts(containerPorts(c)));
}

/** What Docker lists: the networks a container is connected to, or its host/none mode. */
function networksColumn(record: Container['record']): string {
  const mode = record.hostConfig.NetworkMode;
  if (mode === 'host' || mode === 'none') return mode;
  return connectedNetworks(record).join(',');
}

export const containerList = command({
  name: 'container ls',
  aliases: [['container', 'list'], ['container', 'ps'], ['ps']],
  usage: '[OPTIONS]',
  description: 'List containers',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    FILTER_FLAG,
    FORMAT_FLAG,
    {
      long: 'last',
      short: 'n',
      kind: 'int',
      default: -1,
      help: 'Show n last created containers (includes all states)',
    },
    { long: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    NO_TRUNC_FLAG,
    QUIET_FLAG('Only display container IDs'),
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  run(ctx, _args, flags) {
    const last = flags.latest ? 1 : flags.last;
    const list = listContainers(ctx, {
      all: flags.all,
      limit: last,
      filters: parseFilters(flags.filter, PS_FILTERS),
    });
    const trunc = !flags['no-trunc'];
    const rows = list.map((c) => {
      const command = commandLine(c);
      const image = c.record.imageRef;
      let size = '';
      if (flags.size) {
        const rw = ctx.containerReads.upperSize(c.record.id);
        const virtual = ctx.store.images.get(c.record.imageId)?.size ?? 0;
        size = `${humanSize(rw)} (virtual ${humanSize(rw + virtual)})`;
      }
      return {
        ID: trunc ? shortId(c.record.id) : c.record.id,
        Image: trunc && /^sha256:[0-9a-f]{64}$/.test(image) ? shortId(image) : image,
        Command: JSON.stringify(trunc ? ellipsis(command, 20) : command),
        CreatedAt: goTimeString(new Date(c.record.created)),
        RunningFor: ago(Date.parse(c.record.created)).replace(/ ago$/, ' ago'),
        Ports: formatPortsColumn(c),
        State: c.state.Status,
        Status: statusText(c),
        Size: size,
        Names: c.record.name,
        Labels: labelsColumn(c.record.config.Labels),
        Mounts: c.record.mounts.map((m) => m.Name ?? m.Source).join(','),
        Networks: networksColumn(c.record),
      };
    });
    let format = flags.format;
    if (flags.quiet) format = '{{.ID}}';
    const cols = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    ctx.out(
      formatRows(format, rows, {
        defaultFormat: flags.size ? `${cols}\t{{.Size}}` : cols,
        headers: {
          ID: 'CONTAINER ID',
          Image: 'IMAGE',
          Command: 'COMMAND',
          CreatedAt: 'CREATED AT',
          RunningFor: 'CREATED',
          Ports: 'PORTS',
          State: 'STATE',
          Status: 'STATUS',
          Size: 'SIZE',
          Names: 'NAMES',
          Labels: 'LABELS',
          Mounts: 'MOUNTS',
          Networks: 'NETWORKS',
        },
      }),
    );
  },
});
