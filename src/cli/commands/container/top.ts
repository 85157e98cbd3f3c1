// `top`: the container's processes, as the host's ps shows them.
import { execFileSync } from 'node:child_process';
import { conflict } from '../../../errdefs';
import { runRunc } from '../../../runtime/runc';
import type { Command } from '../../command';
import { tabwrite } from '../../output/table';

export const containerTop: Command = {
  name: 'container top',
  aliases: [['top']],
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  minArgs: 1,
  interspersed: false,
  async run(ctx, [name, ...psArgs]) {
    const c = ctx.containers.find(name);
    if (c.state.Status !== 'running' && c.state.Status !== 'paused') throw conflict(`Container ${c.record.id} is not running`);
    const r = await runRunc(ctx.containers.runtime(c.record.hostConfig.Runtime || undefined), ['ps', '--format', 'json', c.record.id]);
    const pids = new Set((JSON.parse(r.stdout || '[]') as number[]).map(String));
    const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' }).trimEnd().split('\n');
    const header = out[0].trim().split(/\s+/);
    const pidCol = header.indexOf('PID');
    const rows = out.slice(1).map((l) => {
      const cells = l.trim().split(/\s+/);
      return [...cells.slice(0, header.length - 1), cells.slice(header.length - 1).join(' ')];
    });
    const mine = rows.filter((cells) => pids.has(cells[pidCol]));
    ctx.out(`${tabwrite([header, ...mine].map((r) => r.join('\t')).join('\n'), 1, 3)}\n`);
  },
};
