// Device nodes from layers and archives. Only the host's root may make them:
// in an ordinary user's namespace (rootless) they are left out, as Docker and
// podman do there; the layer's tar-split still holds them, so a save gives the
// same bytes.
import { errnoCode } from '../errdefs';
import { native, S_IFIFO } from '../native';
import { isRootless } from '../rootless/identity';

const S_IFMT = 0o170000;

/** A device node an ordinary user may not make (rootless): left out rather than failing the layer. */
function leftOut(e: unknown, mode: number): boolean {
  return isRootless() && errnoCode(e) === 'EPERM' && (mode & S_IFMT) !== S_IFIFO;
}

/** mknod; false when a device node was left out (rootless). */
export function makeNode(p: string, mode: number, major: number, minor: number): boolean {
  try {
    native.mknod(p, mode, major, minor);
    return true;
  } catch (e) {
    if (leftOut(e, mode)) return false;
    throw e;
  }
}

/** mknodat, relative to a held directory; false when a device node was left out (rootless). */
export function makeNodeAt(dirFd: number, name: string, mode: number, major: number, minor: number): boolean {
  try {
    native.mknodat(dirFd, name, mode, major, minor);
    return true;
  } catch (e) {
    if (leftOut(e, mode)) return false;
    throw e;
  }
}
