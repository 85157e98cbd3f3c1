// A container frozen for a moment (cp, commit): its processes stop (runc pause)
// until the returned thaw runs, or until this process ends in any other way
// (an exception, a closed pipe, a signal): a thaw is registered with
// util/exit-hooks, so no exit path leaves the container paused while its
// record says it runs. (A SIGKILL cannot be caught: `unpause` recovers that.)
//
// On cgroup v1 the freezer is written directly, as runc pause and resume do
// (runc keeps no paused flag: `runc state` reads the same file): two runc
// processes fewer, about 50 ms of a commit. Anything unusual (no freezer in
// runc's state, a write refused, a cgroup that will not freeze) goes to runc.
import fs from 'node:fs';
import path from 'node:path';
import { onAbruptExit } from '../util/exit-hooks';
import type { RuntimeConfig } from './runc';
// runc's wrapper (and node:child_process under it) only when the freezer is runc's to write:
// a commit through the v1 freezer file loads neither
/* eslint-disable @typescript-eslint/no-require-imports */
const runc = () => require('./runc') as typeof import('./runc');
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
/* eslint-enable @typescript-eslint/no-require-imports */

export type Thaw = () => Promise<void>;

export async function freeze(rt: RuntimeConfig, id: string): Promise<Thaw> {
  const direct = freezerState(rt, id);
  if (direct && (await setFreezer(direct))) {
    const forget = onAbruptExit(() => thawFile(direct));
    let thawed = false;
    return () => {
      if (!thawed) {
        thawed = true;
        thawFile(direct);
        forget();
      }
      return Promise.resolve();
    };
  }
  const { runcGlobalArgs, runcPause, runcResume } = runc();
  const { spawnSync } = childProcess();
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

/** The container's v1 freezer.state, from runc's state of it; undefined when there is none to use. */
function freezerState(rt: RuntimeConfig, id: string): string | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(rt.runtimeRoot, id, 'state.json'), 'utf8')) as {
      cgroup_paths?: Record<string, unknown>;
    };
    const dir = state.cgroup_paths?.freezer;
    if (typeof dir !== 'string' || !path.isAbsolute(dir)) return undefined;
    const file = path.join(dir, 'freezer.state');
    return fs.readFileSync(file, 'utf8').trim() === 'THAWED' ? file : undefined; // (frozen by someone else: runc's to word)
  } catch {
    return undefined; // no state or freezer to read (cgroup v2, rootless, gone): runc's
  }
}

/**
 * FROZEN written and read back, as runc's v1 freezer does (the kernel may report
 * FREEZING for a while; runc thaws and retries now and then). False, thawed
 * again, when it did not take: runc then tries and says why.
 */
async function setFreezer(file: string): Promise<boolean> {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        fs.writeFileSync(file, 'THAWED');
        await new Promise((r) => setTimeout(r, 10));
      }
      fs.writeFileSync(file, 'FROZEN');
      if (fs.readFileSync(file, 'utf8').trim() === 'FROZEN') return true;
      await new Promise((r) => setImmediate(r));
    }
  } catch {
    /* not ours to write (rootless, removed meanwhile): runc's */
  }
  thawFile(file);
  return false;
}

function thawFile(file: string): void {
  try {
    fs.writeFileSync(file, 'THAWED');
  } catch {
    // gone meanwhile (stopped, removed): nothing is frozen any more
  }
}
