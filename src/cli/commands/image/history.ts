import { hex, shortId, type Digest } from '../../../digest';
import type { Command } from '../../command';
import { FORMAT_FLAG, NO_TRUNC_FLAG, QUIET_FLAG } from '../../command';
import { imageHistory } from '../../../engine/image-queries';
import { ellipsis, formatRows } from '../../output/table';
import { ago, humanSizeWithPrecision } from '../../../util/units';

export const imageHistoryCmd: Command = {
  name: 'image history',
  aliases: [['history']],
  usage: '[OPTIONS] IMAGE',
  description: 'Show the history of an image',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    FORMAT_FLAG,
    { long: 'human', short: 'H', kind: 'bool', default: true, help: 'Print sizes and dates in human readable format' },
    NO_TRUNC_FLAG,
    QUIET_FLAG('Only show image IDs'),
  ],
  run(ctx, [ref], flags) {
    const trunc = !flags['no-trunc'];
    const human = flags.human as boolean;
    // RFC 3339 to the second: the engine gives history times in whole seconds
    const createdAt = (t: string | number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
    const rows = imageHistory(ctx, ref).map((h) => ({
      ID:
        h.id === '<missing>'
          ? h.id
          : trunc
            ? shortId(h.id)
            : h.id.startsWith('sha256:')
              ? h.id
              : `sha256:${hex(h.id as Digest)}`,
      CreatedSince: human ? ago(h.created) : createdAt(h.created),
      CreatedAt: createdAt(h.created),
      CreatedBy: trunc ? ellipsis(h.createdBy.replace(/\t/g, ' '), 45) : h.createdBy.replace(/\t/g, ' '),
      Size: human ? humanSizeWithPrecision(h.size, 3) : String(h.size),
      Comment: h.comment,
    }));
    const format = flags.quiet ? '{{.ID}}' : (flags.format as string);
    ctx.out(
      formatRows(format, rows, {
        defaultFormat: `table {{.ID}}\t{{.${human ? 'CreatedSince' : 'CreatedAt'}}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`,
        headers: {
          ID: 'IMAGE',
          CreatedSince: 'CREATED',
          CreatedAt: 'CREATED AT',
          CreatedBy: 'CREATED BY',
          Size: 'SIZE',
          Comment: 'COMMENT',
        },
      }),
    );
  },
};
