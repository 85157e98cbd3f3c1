// `system reset` (as podman's): removes every container, image, volume and
// network of the store, the bridges and rules they made, and the store itself.
import fs from 'node:fs';
import path from 'node:path';
import { storeDbPath } from '../../../engine/store';
import { MNT_DETACH, native } from '../../../native';
import { command, NO_PROMPT_FLAG } from '../../command';
import { confirm } from '../../output/confirm';
import { endUserNamespaceIfIdle, identity, rootlessRunDir, USERNS_FILES } from '../../../rootless';

export const systemReset = command({
  name: 'system reset',
  usage: '[OPTIONS]',
  description: 'Reset stowage storage: remove all containers, images, volumes and networks',
  maxArgs: 0,
  flags: [NO_PROMPT_FLAG],
  async run(ctx, _args, flags) {
    const { root, runroot } = ctx.globals;
    const warning = `WARNING! This will remove:\n - all containers\n - all images\n - all volumes\n - all networks and their bridges\nand the directories ${root} and ${runroot}.`;
    if (!flags.force && !(await confirm(ctx, warning))) return 0;
    if (fs.existsSync(storeDbPath(root))) {
      for (const c of ctx.containers.list()) await ctx.containers.remove(c.record.id, { force: true, volumes: true });
      for (const v of ctx.containers.volumes.list()) ctx.containers.volumes.remove(v.name, [], true);
      // children before their parents
      for (let left = ctx.store.images.list(); left.length; left = ctx.store.images.list()) {
        const leaves = left.filter((i) => ctx.store.images.children(i.id).length === 0);
        for (const img of leaves) ctx.images.remove(img.id.slice(7), { force: true });
      }
      await ctx.containers.networking.manager.destroy();
      await ctx.containers.networking.destroyRootless();
    }
    const netns = path.join(runroot, 'netns');
    for (let i = 0; i < 3; i++) {
      try {
        native.umount2(netns, MNT_DETACH); // the shared mount point network namespaces live under
      } catch {
        // EINVAL or ENOENT: nothing (more) is mounted there, so no more layers to detach
        break;
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
    // rootless: the user's namespace ends too, unless something else still runs in it
    const who = identity();
    const runDir = who.kind === 'inside' ? rootlessRunDir(process.env, who.uid) : undefined;
    if (runDir && path.resolve(runroot) === runDir && !endUserNamespaceIfIdle(runDir)) {
      for (const f of fs.readdirSync(runroot))
        if (!USERNS_FILES.includes(f)) fs.rmSync(path.join(runroot, f), { recursive: true, force: true });
    } else {
      fs.rmSync(runroot, { recursive: true, force: true });
    }
    if (runDir && runDir !== path.resolve(runroot) && endUserNamespaceIfIdle(runDir)) removeIfEmpty(runDir);
  },
});

/** A directory with nothing left in it but temporary files (the user's run directory after the namespace ended). */
function removeIfEmpty(dir: string): void {
  const left = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== 'tmp') : [];
  if (left.length === 0) fs.rmSync(dir, { recursive: true, force: true });
}
