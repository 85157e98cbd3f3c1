#!/bin/sh
# Sets up the offline CRI conformance kit, idempotently: cri-tools v1.26.1
# (critest and crictl, built from source with Debian's Go), a local registry on
# 127.0.0.1:5000 with the suite's test images, and a reference containerd. The
# kit comes from ../shared/cri-tools (or $CRI_KIT_SRC) and is set up in
# /opt/cri-tools (or $CRI_KIT); building takes a while the first time, later
# runs only check that the registry and containerd are up.
#
#   scripts/cri-kit.sh          set up (or check) the kit
#   scripts/cri-kit.sh --stop   stop the kit's registry and containerd
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src=${CRI_KIT_SRC:-$(cd "$here/.." && pwd)/shared/cri-tools}
kit=${CRI_KIT:-/opt/cri-tools}

# one set-up (or check, or stop) at a time: test runs sharing the machine call this together
mkdir -p /run/lock
exec 9>/run/lock/stowage-cri-kit.lock
flock 9

if [ "${1:-}" = "--stop" ]; then
  [ -x "$kit/stop.sh" ] && BASE="$kit" "$kit/stop.sh" 9>&-
  exit 0
fi
if [ ! -x "$kit/setup.sh" ]; then
  [ -f "$src/setup.sh" ] || { echo "cri-kit: no kit in $src (set CRI_KIT_SRC)" >&2; exit 1; }
  echo "cri-kit: copying $src to $kit"
  mkdir -p "$kit"
  cp -r "$src/." "$kit/"
  chmod -R u+w "$kit"
fi
ready() {
  [ -x "$kit/bin/critest" ] && [ -x "$kit/bin/crictl" ] &&
    curl -sf -m 5 -o /dev/null http://127.0.0.1:5000/v2/ &&
    "$kit/bin/crictl" --runtime-endpoint "unix://$kit/containerd/containerd.sock" version >/dev/null 2>&1
}
if ! ready; then
  # (the kit's setup.sh can fail after its work is done, on a SIGPIPE of
  # `critest --version | head -1` under pipefail: what counts is what it made)
  # (9>&-: the registry and containerd it starts must not hold the lock)
  BASE="$kit" "$kit/setup.sh" "$kit/cri-tools-v1.26.1-src.tar.gz" >"$kit/setup.log" 2>&1 9>&- || true
  ready || { tail -20 "$kit/setup.log" >&2; exit 1; }
fi
echo "cri-kit: ready in $kit"
