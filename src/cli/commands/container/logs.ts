// `logs`: what a container wrote, from conmon's log file.
import { invalidArgument } from '../../../errdefs';
import { parseTimeArg } from '../../../util/time-arg';
import { command } from '../../command';

export const containerLogs = command({
  name: 'container logs',
  aliases: [['logs']],
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'details', kind: 'bool', help: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    {
      long: 'since',
      kind: 'string',
      valueName: 'string',
      help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      long: 'tail',
      short: 'n',
      kind: 'string',
      valueName: 'string',
      default: 'all',
      help: 'Number of lines to show from the end of the logs',
    },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    {
      long: 'until',
      kind: 'string',
      valueName: 'string',
      help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
  ],
  async run(ctx, [name], flags) {
    const c = ctx.containerReads.find(name);
    const tailArg = flags.tail;
    const tail = tailArg === 'all' || tailArg === '' ? undefined : Number(tailArg);
    if (tail !== undefined && !Number.isInteger(tail)) throw invalidArgument(`invalid value for "tail": "${tailArg}"`);
    for await (const r of ctx.containerReads.logs(c.record.id, {
      follow: flags.follow,
      since: flags.since ? parseTimeArg(flags.since) : undefined,
      until: flags.until ? parseTimeArg(flags.until, 'until') : undefined,
      tail: tail !== undefined && tail >= 0 ? tail : undefined,
    })) {
      const text = `${flags.timestamps ? `${r.time} ` : ''}${r.line}${r.partial ? '' : '\n'}`;
      // written at once, in order (Ctx.out and err: no stream made for a few lines)
      if (r.stream === 'stderr') ctx.err(text);
      else ctx.out(text);
    }
  },
});
