// `diff`: the files a container changed.
import { containerChanges } from '../../../engine/commit';
import { command } from '../../command';

export const containerDiff = command({
  name: 'container diff',
  aliases: [['diff']],
  usage: 'CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  minArgs: 1,
  maxArgs: 1,
  run(ctx, [name]) {
    for (const ch of containerChanges(ctx.store, ctx.containerLayers, name)) ctx.out(`${ch.kind} ${ch.path}\n`);
  },
});
