// `stats`: CPU, memory, network, block I/O and process counts of containers,
// from two readings a second apart (the CPU share needs an interval), once
// (--no-stream) or refreshed every second until interrupted.
import { shortId } from '../../../digest';
import type { Container } from '../../../container/store';
import { cpuPercent, read, type Sample } from '../../../engine/container-stats';
import { FORMAT_FLAG, NO_TRUNC_FLAG, command } from '../../command';
import type { Ctx } from '../../context';
import { formatRows } from '../../output/table';
import { bytesSize, humanSizeWithPrecision } from '../../../util/units';

const running = (c: Container) => c.state.Status === 'running' || c.state.Status === 'paused';
const size3 = (n: number) => humanSizeWithPrecision(n, 3);

function readings(cs: Container[]): Map<string, Sample | undefined> {
  return new Map(cs.map((c) => [c.record.id, read(c).s]));
}

function table(
  ctx: Ctx,
  shown: Array<{ given: string; c: Container }>,
  prev: Map<string, Sample | undefined>,
  cur: Map<string, Sample | undefined>,
  flags: { format: string; 'no-trunc': boolean },
): string {
  const rows = shown.map(({ given, c }) => {
    const a = prev.get(c.record.id);
    const b = cur.get(c.record.id);
    const memPerc = b && b.memLimit ? (b.memUsage / b.memLimit) * 100 : 0;
    return {
      Container: given,
      ID: flags['no-trunc'] ? c.record.id : shortId(c.record.id),
      Name: c.record.name,
      CPUPerc: `${(a && b ? cpuPercent(a, b) : 0).toFixed(2)}%`,
      MemUsage: `${bytesSize(b?.memUsage ?? 0)} / ${bytesSize(b?.memLimit ?? 0)}`,
      MemPerc: `${memPerc.toFixed(2)}%`,
      NetIO: `${size3(b?.netRx ?? 0)} / ${size3(b?.netTx ?? 0)}`,
      BlockIO: `${size3(b?.blkRead ?? 0)} / ${size3(b?.blkWrite ?? 0)}`,
      PIDs: String(b?.pids ?? 0),
    };
  });
  return formatRows(flags.format, rows, {
    defaultFormat:
      'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}',
    headers: {
      Container: 'CONTAINER',
      ID: 'CONTAINER ID',
      Name: 'NAME',
      CPUPerc: 'CPU %',
      MemUsage: 'MEM USAGE / LIMIT',
      MemPerc: 'MEM %',
      NetIO: 'NET I/O',
      BlockIO: 'BLOCK I/O',
      PIDs: 'PIDS',
    },
  });
}

export const containerStats = command({
  name: 'container stats',
  aliases: [['stats']],
  usage: '[OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    FORMAT_FLAG,
    { long: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
    NO_TRUNC_FLAG,
  ],
  async run(ctx, args, flags) {
    const pick = () =>
      args.length
        ? args.map((a) => ({ given: a, c: ctx.containers.find(a) }))
        : ctx.containers
            .list()
            .filter((c) => flags.all || running(c))
            .map((c) => ({ given: c.record.id, c }));
    let shown = pick();
    let prev = readings(shown.map((s) => s.c));
    let stop = false;
    const onInt = () => (stop = true);
    process.once('SIGINT', onInt);
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const cur = readings(shown.map((s) => s.c));
        const out = table(ctx, shown, prev, cur, flags);
        if (flags['no-stream']) {
          ctx.out(out);
          return;
        }
        // a terminal is redrawn in place, as the docker CLI does; a pipe gets one table after another
        ctx.out(ctx.stdout.isTTY ? `\x1b[2J\x1b[H${out}` : out);
        if (stop) return;
        shown = pick();
        prev = cur;
      }
    } finally {
      process.off('SIGINT', onInt);
    }
  },
});
