#!/bin/bash
# Two copies of the test suite at once on this machine, from two checkouts: the
# proof that test runs share a host (each takes its own address pool, bridge
# names, iptables chains and host ports: src/network/test-slot.ts) and check
# only what they made. Run as root, after scripts/setup.sh --with-references.
#
#   scripts/test-twice.sh              two `npm test` runs (the whole suite), started together
#   scripts/test-twice.sh FILE...      two runs of these test files (their .ts sources or dist/**/*.test.js)
#
# The second checkout is a copy of this one's working tree (committed or not) in
# a temporary directory, with node_modules linked and the native build copied,
# built with `npm run pretest` like this one; it is removed at the end.
# Environment: OUT (folder for the two logs, default a new one under /var/tmp),
# CONCURRENCY (test files at once per copy, default 2 as `npm test`).
# Exit status 0 when both copies pass; the last lines say how each went.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$(mktemp -d /var/tmp/stowage-test-twice.XXXXXX)}
mkdir -p "$out"
conc=${CONCURRENCY:-2}

files=()
for f in "$@"; do
  case "$f" in
    dist/*.js) files+=("$f") ;;
    *.ts) files+=("dist/${f%.ts}.js") ;;
    *) echo "test-twice: $f is neither a .ts test nor a dist/**/*.js one" >&2; exit 2 ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=(dist/)

second=$(mktemp -d /tmp/stowage-second.XXXXXX)
cleanup() {
  rm -rf "$second"
}
trap cleanup EXIT
# the rootless tests run the checkout as a new user: it must be readable by others
chmod 755 "$second"

echo "test-twice: building $here"
(cd "$here" && npm run --silent pretest)
echo "test-twice: copying the working tree to $second"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r cp --parents -a -t "$second" 2>/dev/null || true)
cp -al "$here/node_modules" "$second/node_modules"
cp -a "$here/build" "$second/build"
(cd "$second" && npm run --silent pretest)

run_copy() { # NAME DIR
  (cd "$2" && node --test --test-concurrency="$conc" --test-reporter=tap "${files[@]}") >"$out/$1.log" 2>&1
}
echo "test-twice: two copies of: node --test --test-concurrency=$conc ${files[*]}  (logs in $out)"
started=$(date +%s)
run_copy first "$here" &
a=$!
run_copy second "$second" &
b=$!
status=0
wait "$a" || status=1
wait "$b" || status=1
echo "test-twice: both finished after $(($(date +%s) - started)) s"

for name in first second; do
  log="$out/$name.log"
  summary=$(grep -E '^# (tests|pass|fail|cancelled|skipped) ' "$log" | tr '\n' ' ' | sed 's/# //g')
  echo "$name ($([ "$name" = first ] && echo "$here" || echo "copy of it")): $summary"
  grep -E '^ *not ok ' "$log" | sed 's/^/  /' || true
done
exit "$status"
