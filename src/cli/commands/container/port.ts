// `port`: a container's published ports.
import { containerPorts } from '../../../engine/container-ports';
import { formatPortCommand } from '../../../network/ports';
import { invalidArgument } from '../../../errdefs';
import { command } from '../../command';

export const containerPort = command({
  name: 'container port',
  aliases: [['port']],
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  minArgs: 1,
  maxArgs: 2,
  run(ctx, [name, port]) {
    const c = ctx.containerReads.find(name);
    const lines = formatPortCommand(containerPorts(c), name, port);
    if (port && lines.length === 0) throw invalidArgument(`No public port '${port}' published for ${name}`);
    for (const l of lines) ctx.out(`${l}\n`);
  },
});
