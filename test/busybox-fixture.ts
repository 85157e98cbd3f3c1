// Test fixture (used by integration/conmon-runc.test.ts): a busybox rootfs and bundles for real
// runc + conmon containers, all under one temporary directory.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { containerPaths, type ContainerPaths } from '../src/runtime/conmon';
import { runcDelete, type RuntimeConfig } from '../src/runtime/runc';
import { buildSpec, type OciSpec, type SpecInput } from '../src/runtime/spec';

export const BUSYBOX = '/bin/busybox';

/** Whether integration tests can run here: root, runc, conmon and a static busybox. */
export function canRunContainers(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const p of [BUSYBOX]) if (!fs.existsSync(p)) return `${p} missing`;
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    execFileSync('conmon', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'runc or conmon missing';
  }
  return undefined;
}

/** A rootfs with busybox in /bin and a relative symlink per applet (they must resolve inside the container). */
export function busyboxRootfs(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'root'])
    fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && a !== 'busybox');
  for (const a of applets) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n';
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), passwd);
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'notexec.sh'), '#!/bin/sh\necho should not run\n', { mode: 0o644 });
  return rootfs;
}

export interface Lab {
  dir: string;
  rt: RuntimeConfig;
  rootfs: string;
  /** a bundle with config.json for a new container; `tweak` may edit the spec */
  bundle(
    input: Partial<SpecInput> & { cmd: string[] },
    tweak?: (spec: OciSpec) => void,
  ): { id: string; paths: ContainerPaths; spec: OciSpec };
  /** runc delete --force of every container made, kill of any conmon left, rm -rf */
  cleanup(): Promise<void>;
}

export function makeLab(): Lab {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-rt-'));
  const rootfs = busyboxRootfs(dir);
  const rt: RuntimeConfig = { runtimePath: 'runc', runtimeRoot: path.join(dir, 'runc') };
  const made: { id: string; paths: ContainerPaths }[] = [];
  return {
    dir,
    rt,
    rootfs,
    bundle(input, tweak) {
      const id = `st${crypto.randomBytes(5).toString('hex')}`;
      const bundle = path.join(dir, id);
      fs.mkdirSync(bundle);
      const spec = buildSpec({ id, rootfs, image: { Env: ['PATH=/bin'] }, ...input });
      tweak?.(spec);
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
      const paths = containerPaths(bundle, { exitDir: path.join(dir, 'exits') });
      made.push({ id, paths });
      return { id, paths, spec };
    },
    async cleanup() {
      for (const { id, paths } of made) {
        await runcDelete(rt, id, true).catch(() => undefined);
        const conmonPid = Number(
          fs.existsSync(paths.conmonPidFile) ? fs.readFileSync(paths.conmonPidFile, 'utf8') : NaN,
        );
        if (conmonPid > 0) {
          try {
            // only if it is still a conmon for this container (pids get reused)
            const cmdline = fs.readFileSync(`/proc/${conmonPid}/cmdline`, 'utf8');
            if (cmdline.includes(id)) process.kill(conmonPid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
