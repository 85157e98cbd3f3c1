// `logs`: what a container wrote, from conmon's log file.
import fs from 'node:fs';
import { invalidArgument, cliError } from '../../../errdefs';
import { readLogs } from '../../../runtime/logs';
import type { Command } from '../../command';

/** --since/--until: RFC 3339 times, Unix timestamps, or durations like 10m ago. */
export function parseTimeArg(v: string, flag: 'since' | 'until' = 'since', now = Date.now()): number {
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (dur) return now - Number(dur[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    // the docker CLI's own check: no "Error:" in front
    throw cliError(`invalid value for "${flag}": failed to parse value as time or duration: "${v}"`);
  }
  return t;
}

export const containerLogs: Command = {
  name: 'container logs',
  aliases: [['logs']],
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'details', kind: 'bool', help: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { long: 'since', kind: 'string', valueName: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { long: 'tail', short: 'n', kind: 'string', valueName: 'string', default: 'all', help: 'Number of lines to show from the end of the logs' },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { long: 'until', kind: 'string', valueName: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(ctx, [name], flags) {
    const c = ctx.containers.find(name);
    const tailArg = String(flags.tail);
    const tail = tailArg === 'all' || tailArg === '' ? undefined : Number(tailArg);
    if (tail !== undefined && !Number.isInteger(tail)) throw invalidArgument(`invalid value for "tail": "${tailArg}"`);
    const logPath = ctx.containers.paths(c.record.id).logPath;
    if (!fs.existsSync(logPath)) return;
    const id = c.record.id;
    for await (const r of readLogs(logPath, {
      follow: flags.follow as boolean,
      isRunning: () => ctx.containers.isRunning(id),
      since: flags.since ? parseTimeArg(String(flags.since)) : undefined,
      until: flags.until ? parseTimeArg(String(flags.until), 'until') : undefined,
      tail: tail !== undefined && tail >= 0 ? tail : undefined,
    })) {
      const text = `${flags.timestamps ? `${r.time} ` : ''}${r.line}${r.partial ? '' : '\n'}`;
      (r.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(text);
    }
  },
};
