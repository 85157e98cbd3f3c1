// `pull` (`image pull`), with Docker's progress lines.
import { QUIET_FLAG, type Command } from '../../command';
import { pullAndReport } from '../../registry-report';

const PLATFORM_FLAG = {
  long: 'platform',
  kind: 'string' as const,
  valueName: 'string',
  help: 'Set platform if server is multi-platform capable',
};

export const imagePull: Command = {
  name: 'image pull',
  aliases: [['pull']],
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
    PLATFORM_FLAG,
    QUIET_FLAG('Suppress verbose output'),
  ],
  async run(ctx, [name], flags) {
    await pullAndReport(ctx, name, {
      quiet: flags.quiet as boolean,
      printName: true,
      platform: (flags.platform as string) || undefined,
      allTags: flags['all-tags'] as boolean,
    });
  },
};
