// `network ls`.
import { shortId } from '../../../digest';
import { FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG, type Command } from '../../command';
import { parseFilters } from '../../../engine/filters';
import { NETWORK_LIST_FILTERS } from '../../../engine/networks';
import { formatRows, labelsColumn } from '../../output/table';

export const networkList: Command = {
  name: 'network ls',
  aliases: [['network', 'list']],
  usage: '[OPTIONS]',
  description: 'List networks',
  maxArgs: 0,
  flags: [FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG('Only display network IDs')],
  async run(ctx, _args, flags) {
    const nets = await ctx.networks.list(parseFilters(flags.filter, NETWORK_LIST_FILTERS));
    const trunc = !flags['no-trunc'];
    nets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // the docker CLI sorts by name
    const rows = nets.map((n) => ({
      ID: trunc ? shortId(n.id) : n.id,
      Name: n.name,
      Driver: n.driver,
      Scope: 'local',
      IPv6: 'false',
      Internal: String(n.internal),
      Labels: labelsColumn(n.labels),
      CreatedAt: n.created,
    }));
    ctx.out(
      formatRows(flags.quiet ? '{{.ID}}' : (flags.format as string), rows, {
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        headers: {
          ID: 'NETWORK ID',
          Name: 'NAME',
          Driver: 'DRIVER',
          Scope: 'SCOPE',
          IPv6: 'IPV6',
          Internal: 'INTERNAL',
          Labels: 'LABELS',
          CreatedAt: 'CREATED',
        },
      }),
    );
  },
};
