// The character devices an ordinary user's helpers open: /dev/net/tun (slirp4netns)
// and /dev/fuse (fuse-overlayfs). Debian makes both 0666; some machines ship 0600,
// and the helper's own failure ("Permission denied") does not say what to change.
import fs from 'node:fs';
import { failedPrecondition } from '../errdefs';

type DeviceFs = Pick<typeof fs, 'accessSync' | 'statSync'>;

/** Throws, naming the device, its mode and the fix, when this user cannot open `dev` for reading and writing. */
export function checkDevice(dev: string, neededBy: string, otherwise = '', fsys: DeviceFs = fs): void {
  try {
    fsys.accessSync(dev, fs.constants.R_OK | fs.constants.W_OK);
    return;
  } catch {
    // said below
  }
  let mode = '';
  try {
    mode = ` (mode ${(fsys.statSync(dev).mode & 0o777).toString(8).padStart(4, '0')})`;
  } catch {
    // missing: no mode to give
  }
  throw failedPrecondition(
    `${dev} is not usable by this user${mode}: ${neededBy} needs it. As root: chmod 0666 ${dev} (Debian's default), or scripts/setup.sh --rootless-user NAME${otherwise}`,
  );
}
