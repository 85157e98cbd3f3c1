// overlayfs for an ordinary user: the kernel's own, mounted in the user's
// namespace with `userxattr` (Linux 5.11 and later); where the kernel refuses,
// fuse-overlayfs, which reads the same layers (0/0 whiteouts, user.overlay.opaque).
// STOWAGE_OVERLAY=fuse-overlayfs asks for it always (as podman's mount_program).
import { spawnSync } from 'node:child_process';
import { errnoCode, failedPrecondition, internal } from '../errdefs';
import { native } from '../native';
import { checkDevice } from './device-access';

/**
 * Mounts an overlay with `options` (lowerdir=...,upperdir=...,workdir=...; lower dirs may be relative to cwd) on target;
 * fuseOnly: with fuse-overlayfs only (its ID mapping options).
 */
export function mountUserOverlay(
  options: string,
  target: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  fuseOnly = false,
): void {
  if (env.STOWAGE_OVERLAY !== 'fuse-overlayfs' && !fuseOnly) {
    const prev = process.cwd();
    process.chdir(cwd);
    try {
      native.mount('overlay', target, 'overlay', 0, `${options},userxattr`);
      return;
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'EPERM' && code !== 'EINVAL' && code !== 'ENODEV') throw e;
      // the kernel will not: fuse-overlayfs below
    } finally {
      process.chdir(prev);
    }
  }
  checkDevice('/dev/fuse', 'rootless storage (fuse-overlayfs)');
  const r = spawnSync('fuse-overlayfs', ['-o', options, target], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.error && errnoCode(r.error) === 'ENOENT') {
    throw failedPrecondition(
      'the kernel refuses overlayfs in the user namespace and fuse-overlayfs is not installed: apt-get install fuse-overlayfs (as root)',
    );
  }
  if (r.status !== 0)
    throw internal(`fuse-overlayfs failed to mount ${target}: ${(r.stderr ?? '').trim() || `exit status ${r.status}`}`);
}
