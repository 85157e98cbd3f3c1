// The y/N question of the commands that remove much at once (the prunes, system reset).
import type { Ctx } from '../context';

/** Asks y/N on the terminal, as docker's prune commands do without --force. */
export async function confirm(ctx: Ctx, warning: string): Promise<boolean> {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      ctx.stdin.off('data', onData);
      ctx.stdin.pause();
      resolve(buf.trim());
    };
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', done);
  });
  return /^y(es)?$/i.test(answer);
}
