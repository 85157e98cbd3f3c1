// `events`: Docker's events from the store's event log, past ones (--since)
// and new ones as other processes record them, until --until or Ctrl-C.
import {
  eventJson,
  eventMessage,
  checkEventFilters,
  EVENT_FILTER_KEYS,
  type EventMessage,
} from '../../../engine/events';
import { parseFilters } from '../../../engine/filters';
import { parseTimeArg } from '../../../util/time-arg';
import { FILTER_FLAG, FORMAT_FLAG, command } from '../../command';
import { parseTemplate, execTemplate } from '../../output/template';

/** The docker CLI's line: time (RFC3339Nano, fixed width), type, action, actor, (attributes sorted). */
export function eventLine(m: EventMessage, timeNano: bigint): string {
  const t = new Date(Number(timeNano / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, '');
  const nanos = String(timeNano % 1_000_000_000n).padStart(9, '0');
  const attrs = Object.keys(m.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${m.Actor.Attributes[k]}`);
  return `${t}.${nanos}Z ${m.Type} ${m.Action} ${m.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}\n`;
}

export const systemEvents = command({
  name: 'system events',
  aliases: [['events']],
  usage: '[OPTIONS]',
  description: 'Get real time events from the server',
  maxArgs: 0,
  flags: [
    FILTER_FLAG,
    FORMAT_FLAG,
    { long: 'since', kind: 'string', valueName: 'string', help: 'Show all events created since timestamp' },
    { long: 'until', kind: 'string', valueName: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(ctx, _args, flags) {
    const filters = parseFilters(flags.filter, EVENT_FILTER_KEYS);
    checkEventFilters(filters);
    const toNano = (v: string | undefined, flag: 'since' | 'until') =>
      v ? BigInt(Math.round(parseTimeArg(v, flag) * 1e6)) : undefined;
    const sinceNano = toNano(flags.since, 'since');
    const untilNano = toNano(flags.until, 'until');
    const format = flags.format;
    const tmpl =
      format && format !== 'json' ? parseTemplate(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n')) : undefined;
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    ctx.stdout.once('error', stop); // the reader went away (| head)
    try {
      for await (const e of ctx.events.follow({ sinceNano, untilNano, filters, signal: ac.signal })) {
        const m = eventMessage(e);
        ctx.out(
          format === 'json' ? `${eventJson(e)}\n` : tmpl ? `${execTemplate(tmpl, m)}\n` : eventLine(m, e.timeNano),
        );
      }
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  },
});
