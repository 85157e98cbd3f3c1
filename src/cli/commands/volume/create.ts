// `volume create`.
import { type Command } from '../../command';

function labels(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])),
  );
}

export const volumeCreate: Command = {
  name: 'volume create',
  usage: '[OPTIONS] [VOLUME]',
  description: 'Create a volume',
  maxArgs: 1,
  flags: [
    {
      long: 'driver',
      short: 'd',
      kind: 'string',
      valueName: 'string',
      default: 'local',
      help: 'Specify volume driver name',
    },
    { long: 'label', kind: 'list', help: 'Set metadata for a volume' },
    { long: 'name', kind: 'string', valueName: 'string', help: 'Specify volume name', hidden: true },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options' },
  ],
  run(ctx, args, flags) {
    const name = args[0] ?? ((flags.name as string) || undefined);
    ctx.out(
      `${ctx.volumes.create(name, { driver: flags.driver as string, labels: labels(flags.label as string[]), driverOpts: labels(flags.opt as string[]) }).name}\n`,
    );
  },
};
