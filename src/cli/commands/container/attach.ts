// `attach`: the terminal joined to a running container.
import { conflict } from '../../../errdefs';
import type { Command } from '../../command';
import { DETACH_KEYS_FLAG, noTerminal, relay } from '../../attach-terminal';

export const containerAttach: Command = {
  name: 'container attach',
  aliases: [['attach']],
  usage: '[OPTIONS] CONTAINER',
  description: 'Attach local standard input, output, and error streams to a running container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    DETACH_KEYS_FLAG,
    { long: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
    { long: 'sig-proxy', kind: 'bool', default: true, help: 'Proxy all received signals to the process' },
  ],
  async run(ctx, [name], flags) {
    const c = ctx.containers.find(name);
    if (c.state.Status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    if (c.state.Status !== 'running') throw conflict('You cannot attach to a stopped container, start it first');
    const mode = {
      tty: !!c.record.config.Tty,
      interactive: !flags['no-stdin'] && !!c.record.config.OpenStdin,
      detachKeys: flags['detach-keys'] as string,
      sigProxy: flags['sig-proxy'] as boolean,
    };
    if (mode.tty && mode.interactive && noTerminal(ctx, { tty: true, interactive: true })) return 1;
    return relay(ctx, c.record.id, mode, async (io) => ctx.containers.attach(c.record.id, io));
  },
};
