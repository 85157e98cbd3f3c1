// `image explain IMAGE`: why an image is as big as it is (see src/explain/).
import fs from 'node:fs';
import { invalidArgument } from '../../../errdefs';
import { ExplainService } from '../../../explain/service';
import { renderHtml } from '../../../explain/html';
import { renderText } from '../../../explain/text';
import { checkArgCount, command } from '../../command';
import { NO_PROGRESS, TerminalProgress } from '../../output/progress';
import { checkOutputPath, openOutput } from '../../output/output-file';

export const imageExplain = command({
  name: 'image explain',
  usage: '[OPTIONS] IMAGE\n        stowage image explain --archive FILE [IMAGE]',
  description: 'Show why an image is as big as it is: what each layer adds, what later layers hide, what it shares',
  maxArgs: 1,
  flags: [
    {
      long: 'archive',
      kind: 'string',
      valueName: 'string',
      help: 'Explain an image of a docker or OCI archive file, without loading it',
    },
    {
      long: 'format',
      kind: 'string',
      valueName: 'string',
      help: "Format output: 'json' prints the whole report as JSON",
    },
    {
      long: 'html',
      kind: 'string',
      valueName: 'string',
      help: 'Also write the report as a self-contained HTML page to this file',
    },
  ],
  async run(ctx, args, flags) {
    const archive = flags.archive;
    const format = flags.format;
    const html = flags.html;
    if (!archive) checkArgCount({ ...imageExplain, minArgs: 1, maxArgs: 1 }, 'image explain', args);
    if (format && format !== 'json' && format !== 'table')
      throw invalidArgument(`unsupported format "${format}": image explain prints a table (the default) or "json"`);
    if (html) checkOutputPath(html, 'write the page');
    if (archive && !fs.statSync(archive, { throwIfNoEntry: false })?.isFile()) {
      throw invalidArgument(
        fs.existsSync(archive) ? `${archive} is not an archive file` : `open ${archive}: no such file or directory`,
      );
    }
    const service = new ExplainService(ctx.store, ctx.images);
    const report = archive
      ? await service.explainArchive(
          archive,
          args[0],
          ctx.stderr.isTTY ? new TerminalProgress(ctx.stderr) : NO_PROGRESS,
        )
      : await service.explainImage(args[0]);
    if (html) {
      const out = openOutput(html, 'write the page');
      try {
        fs.writeSync(out.fd, renderHtml(report));
        out.commit();
      } catch (e) {
        out.abort();
        throw e;
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- isTTY is undefined, not false, on a pipe
    ctx.out(format === 'json' ? `${JSON.stringify(report)}\n` : renderText(report, { color: !!ctx.stdout.isTTY }));
  },
});
