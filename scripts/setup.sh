#!/bin/sh
# Sets up stowage on a fresh Debian 12 machine, idempotently: the Debian
# packages it drives, the npm dependencies, the native addon and the build,
# and a `stowage` command on PATH.
#
#   scripts/setup.sh                     what stowage needs to run
#   scripts/setup.sh --with-references   also docker.io, podman and docker-registry,
#                                        the reference tools of the interop tests
#                                        and benchmarks (apache2-utils: htpasswd
#                                        for the registry's password file; openssl
#                                        for the tests' certificate authority; chromium,
#                                        which opens `image explain --html` pages in tests;
#                                        docker-compose 1.29, run against both engines),
#                                        and the CRI conformance kit (scripts/cri-kit.sh)
#   scripts/setup.sh --rootless-user NAME
#                                        also lets user NAME run stowage rootless: subordinate
#                                        ID ranges in /etc/subuid and /etc/subgid when it has none
#
# Rootless stowage (any ordinary user) needs uidmap (newuidmap/newgidmap), slirp4netns and
# fuse-overlayfs, installed always, and /dev/net/tun and /dev/fuse open to every user (mode
# 0666, Debian's own default; some machines ship 0600, which keeps slirp4netns and
# fuse-overlayfs from ordinary users): the set-up restores 0666.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

pkgs="runc conmon containernetworking-plugins iptables iproute2 busybox-static skopeo tini catatonit xz-utils bzip2 zstd ca-certificates python3 make g++ libsqlite3-dev tar gzip util-linux procps uidmap slirp4netns fuse-overlayfs passt strace"
rootless_users=""
with_references=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with-references) with_references=1; pkgs="$pkgs docker.io podman docker-registry apache2-utils openssl chromium docker-compose" ;;
    --rootless-user) rootless_users="$rootless_users ${2:?--rootless-user needs a user name}"; shift ;;
    *) echo "setup: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# docker.io's own daemon must not start on the system socket: tests run their own.
if [ -n "$(command -v systemctl || true)" ] && systemctl is-active --quiet docker 2>/dev/null; then
  systemctl stop docker docker.socket 2>/dev/null || true
fi

# rootless networking: slirp4netns opens /dev/net/tun in the user's namespace
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  echo "setup: /dev/net/tun mode 0666 (Debian's default), for rootless networking"
  chmod 0666 /dev/net/tun
fi
# rootless storage: fuse-overlayfs opens /dev/fuse as the user (Debian's udev rule makes it 0666)
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ]; then
  echo "setup: /dev/fuse mode 0666 (Debian's default), for rootless storage"
  chmod 0666 /dev/fuse
fi
for u in $rootless_users; do
  "$here/scripts/rootless-user.sh" "$u"
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: building"
npm run --silent build
# the native front end (runs `exec` itself, everything else through bin/stowage)
ln -sf "$here/build/Release/stowage" /usr/local/bin/stowage
# the CRI conformance kit: critest and crictl, its registry of test images, a reference containerd
if [ -n "$with_references" ]; then "$here/scripts/cri-kit.sh"; fi
echo "setup: done ($(stowage --version))"
