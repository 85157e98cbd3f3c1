// `system df`: space used by images, containers and volumes, counted as Docker
// counts it (shared layers once; "reclaimable" = what removing unused things frees).
import { hex, shortId } from '../../../digest';
import { command } from '../../command';
import { FORMAT_FLAG } from '../../command';
import type { Ctx } from '../../context';
import { formatRows, tabwrite } from '../../output/table';
import { ago, humanSize, humanSizeWithPrecision } from '../../../util/units';
import { ellipsis } from '../../output/table';
import { diskUsage, type DiskUsage } from '../../../engine/disk-usage';
import { statusText } from '../../../engine/container-queries';

function withPercent(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)` : humanSize(reclaimable);
}

export const systemDf = command({
  name: 'system df',
  usage: '[OPTIONS]',
  description: 'Show stowage disk usage',
  maxArgs: 0,
  flags: [FORMAT_FLAG, { long: 'verbose', short: 'v', kind: 'bool', help: 'Show detailed information on space usage' }],
  run(ctx, _args, flags) {
    const u = diskUsage(ctx);
    if (flags.verbose) {
      verbose(ctx, u);
      return;
    }
    const used = u.images.filter((i) => i.containers > 0).reduce((n, i) => n + i.unique, 0);
    const cSize = u.containers.reduce((n, x) => n + x.size, 0);
    const cFree = u.containers.filter((x) => x.c.state.Status !== 'running').reduce((n, x) => n + x.size, 0);
    const vSize = u.volumes.reduce((n, x) => n + x.size, 0);
    const vFree = u.volumes.filter((x) => x.links === 0).reduce((n, x) => n + x.size, 0);
    const rows = [
      {
        Type: 'Images',
        TotalCount: String(u.images.length),
        Active: String(u.images.filter((i) => i.containers > 0).length),
        Size: humanSize(u.layersSize),
        Reclaimable: withPercent(u.layersSize - used, u.layersSize),
      },
      {
        Type: 'Containers',
        TotalCount: String(u.containers.length),
        Active: String(u.containers.filter((x) => x.c.state.Status === 'running').length),
        Size: humanSize(cSize),
        Reclaimable: withPercent(cFree, cSize),
      },
      {
        Type: 'Local Volumes',
        TotalCount: String(u.volumes.length),
        Active: String(u.volumes.filter((x) => x.links > 0).length),
        Size: humanSize(vSize),
        Reclaimable: withPercent(vFree, vSize),
      },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    ctx.out(
      formatRows(flags.format, rows, {
        defaultFormat: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
        headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
      }),
    );
  },
});

function verbose(ctx: Ctx, u: DiskUsage): void {
  const table = (lines: string[][]) => `${tabwrite(lines.map((l) => l.join('\t')).join('\n'))}\n`;
  ctx.out('Images space usage:\n\n');
  const img = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']];
  for (const i of u.images) {
    const rows = i.repoTags.length
      ? i.repoTags.map((t) => [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)])
      : [['<none>', '<none>']];
    for (const [repo, tag] of rows) {
      img.push([
        repo,
        tag,
        hex(i.id).slice(0, 12),
        ago(i.created),
        humanSizeWithPrecision(i.size, 3),
        humanSize(i.shared),
        humanSize(i.unique),
        String(i.containers),
      ]);
    }
  }
  ctx.out(table(img));
  ctx.out('\nContainers space usage:\n\n');
  const cont = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']];
  for (const { c, size } of u.containers) {
    const command = JSON.stringify(ellipsis([c.record.path, ...c.record.args].join(' '), 20));
    const vols = c.record.mounts.filter((m) => m.Type === 'volume').length;
    cont.push([
      shortId(c.record.id),
      c.record.imageRef,
      command,
      String(vols),
      humanSize(size),
      ago(Date.parse(c.record.created)),
      statusText(c),
      c.record.name,
    ]);
  }
  ctx.out(table(cont));
  ctx.out('\nLocal Volumes space usage:\n\n');
  ctx.out(
    table([['VOLUME NAME', 'LINKS', 'SIZE'], ...u.volumes.map((x) => [x.v.name, String(x.links), humanSize(x.size)])]),
  );
  ctx.out('\nBuild cache usage: 0B\n\n');
  ctx.out(table([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']]));
}
