// overlayfs's own extended attributes: trusted.overlay.* as root mounts it, or
// user.overlay.* when an ordinary user mounts it in its namespace (the
// `userxattr` option; trusted.* is the host root's alone). A store is made by
// one or the other, so the prefix is the process's.
import { isRootless } from '../rootless/identity';

export const OVERLAY_XATTR_PREFIX = isRootless() ? 'user.overlay.' : 'trusted.overlay.';
export const OVERLAY_OPAQUE_XATTR = `${OVERLAY_XATTR_PREFIX}opaque`;

/** Extended attributes a layer may not carry: overlayfs metadata (it would forge whiteouts, redirects...), and in rootless mode trusted.*, which only the host's root may set. */
export function forbiddenLayerXattr(name: string): boolean {
  return name.startsWith(OVERLAY_XATTR_PREFIX) || (isRootless() && name.startsWith('trusted.'));
}
