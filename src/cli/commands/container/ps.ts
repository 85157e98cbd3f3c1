// `ps` / `container ls`, with docker's columns, filters and status wording.
import { shortId } from '../../../digest';
import type { Container } from '../../../container/store';
import { ZERO_TIME } from '../../../container/types';
import type { Command } from '../../command';
import { FILTER_FLAG, FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG } from '../../command';
import type { Ctx } from '../../context';
import { labelMatches, parseFilters } from '../../filters';
import { formatRows, labelsColumn } from '../../output/table';
import { ago, goTimeString, humanDuration, humanSize } from '../../output/units';
import { ellipsis } from '../image/history';
import { formatPortsColumn } from './ports-column';
import { connectedNetworks } from '../../../engine/container-network';

/** What Docker lists: the networks a container is connected to, or its host/none mode. */
function networksColumn(record: Container['record']): string {
  const mode = record.hostConfig.NetworkMode;
  if (mode === 'host' || mode === 'none') return mode;
  return connectedNetworks(record).join(',');
}

/** The command as Docker's daemon lists it: arguments with a space in single quotes. */
export function commandLine(c: Container): string {
  return [c.record.path, ...c.record.args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' ');
}

/** moby's State.String(). */
export function statusText(c: Container, now = Date.now()): string {
  const s = c.state;
  const since = (t: string) => humanDuration(now - Date.parse(t));
  if (s.Status === 'running') return `Up ${since(s.StartedAt)}`;
  if (s.Status === 'paused') return `Up ${since(s.StartedAt)} (Paused)`;
  if (s.Status === 'restarting') return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Status === 'dead') return 'Dead';
  if (s.StartedAt === ZERO_TIME) return 'Created';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

/** Is image `ref` (or an image built on it) what this container runs? Docker's ancestor filter. */
function isAncestor(ctx: Ctx, c: Container, ref: string): boolean {
  let id: string;
  try {
    id = ctx.images.resolveId(ref);
  } catch {
    return false;
  }
  for (let cur: string | null = c.record.imageId; cur; cur = ctx.store.images.get(cur as `sha256:${string}`)?.parent ?? null) {
    if (cur === id) return true;
  }
  return false;
}

export const containerList: Command = {
  name: 'container ls',
  aliases: [['container', 'list'], ['container', 'ps'], ['ps']],
  usage: '[OPTIONS]',
  description: 'List containers',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    FILTER_FLAG,
    FORMAT_FLAG,
    { long: 'last', short: 'n', kind: 'int', default: -1, help: 'Show n last created containers (includes all states)' },
    { long: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    NO_TRUNC_FLAG,
    QUIET_FLAG('Only display container IDs'),
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, ['status', 'name', 'id', 'ancestor', 'label', 'exited']);
    const statuses = filters.get('status');
    for (const s of statuses ?? []) {
      if (!['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'].includes(s)) {
        throw new Error(`Invalid filter 'status=${s}'`);
      }
    }
    let list = ctx.containers.list();
    const last = flags.latest ? 1 : (flags.last as number);
    const all = flags.all || last > 0 || !!statuses;
    if (!all) list = list.filter((c) => ['running', 'paused', 'restarting'].includes(c.state.Status));
    list = list.filter(
      (c) =>
        (!statuses || statuses.includes(c.state.Status)) &&
        (!filters.get('name') || filters.get('name')!.some((n) => new RegExp(n).test(c.record.name))) &&
        (!filters.get('id') || filters.get('id')!.some((p) => c.record.id.startsWith(p))) &&
        (!filters.get('ancestor') || filters.get('ancestor')!.some((a) => isAncestor(ctx, c, a))) &&
        labelMatches(filters.get('label'), c.record.config.Labels) &&
        (!filters.get('exited') || (c.state.Status === 'exited' && filters.get('exited')!.includes(String(c.state.ExitCode)))),
    );
    if (last > 0) list = list.slice(0, last);
    const trunc = !flags['no-trunc'];
    const rows = list.map((c) => {
      const command = commandLine(c);
      const image = c.record.imageRef;
      let size = '';
      if (flags.size) {
        const rw = ctx.containers.upperSize(c.record.id);
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
    let format = flags.format as string;
    if (flags.quiet) format = '{{.ID}}';
    const cols = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    ctx.out(
      formatRows(format, rows, {
        defaultFormat: flags.size ? `${cols}\t{{.Size}}` : cols,
        headers: {
          ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
          State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS',
        },
      }),
    );
  },
};
