// `top`: the container's processes, as the host's ps shows them.
import { containerTop as top } from '../../../engine/container-top';
import { command } from '../../command';
import { tabwrite } from '../../output/table';

export const containerTop = command({
  name: 'container top',
  aliases: [['top']],
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  minArgs: 1,
  interspersed: false,
  async run(ctx, [name, ...psArgs]) {
    const { Titles, Processes } = await top(ctx.containers, name, psArgs);
    ctx.out(`${tabwrite([Titles, ...Processes].map((r) => r.join('\t')).join('\n'), 1, 3)}\n`);
  },
});
