// A container frozen for a moment (cp, commit): its processes stop (runc pause)
// until the returned thaw runs, or until this process ends in any other way
// (an exception, a closed pipe, a signal): a thaw is registered with
// util/exit-hooks, so no exit path leaves the container paused while its
// record says it runs. (A SIGKILL cannot be caught: `unpause` recovers that.)
import { spawnSync } from 'node:child_process';
import { onAbruptExit } from '../util/exit-hooks';
import { runcGlobalArgs, runcPause, runcResume, type RuntimeConfig } from './runc';

export type Thaw = () => Promise<void>;

export async function freeze(rt: RuntimeConfig, id: string): Promise<Thaw> {
  const forget = onAbruptExit(() => {
    spawnSync(rt.runtimePath, [...runcGlobalArgs(rt), 'resume', id], { stdio: 'ignore', timeout: 30_000 });
  });
  try {
    await runcPause(rt, id);
  } catch (e) {
    forget();
    throw e;
  }
  let thawed = false;
  return async () => {
    if (thawed) return;
    thawed = true;
    try {
      await runcResume(rt, id);
    } catch {
      // gone meanwhile (stopped, removed): nothing is frozen any more
    } finally {
      forget();
    }
  };
}
