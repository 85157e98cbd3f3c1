#!/bin/sh
# Builds a tiny base image from Debian's busybox-static and imports it into
# stowage: busybox with its applet links, /etc/passwd and /etc/group with root
# and nobody. The tarball is deterministic (sorted, numeric owners, fixed mtime),
# so its diff ID is the same on every machine with the same busybox.
#
#   scripts/base-image.sh [TAG]            (default busybox:latest)
#   BASE_TARBALL=FILE keeps the rootfs tarball in FILE
#   STOWAGE=CMD       the stowage command to import with (default bin/stowage)
set -eu
tag=${1:-busybox:latest}
here=$(cd "$(dirname "$0")/.." && pwd)
stowage=${STOWAGE:-$here/bin/stowage}
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
if [ -z "$busybox" ] || ! "$busybox" --list-full >/dev/null 2>&1; then
  echo "busybox-static is missing: run scripts/setup.sh (or apt-get install busybox-static)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/home" "$root/var/www" "$root/proc" "$root/sys" "$root/dev"
chmod 700 "$root/root"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$root/etc/group"
tarball=${BASE_TARBALL:-$work/rootfs.tar}
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime='2024-01-01 00:00:00Z' \
  --format=gnu -C "$root" -cf "$tarball" .
"$stowage" import -m 'busybox-static base image' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["sh"]' "$tarball" "$tag"
