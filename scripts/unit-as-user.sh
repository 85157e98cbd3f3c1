#!/bin/sh
# Runs the unit suite (dist/src, built by `npm run pretest`) as an ordinary user,
# which proves that it needs no root: `npm test` runs it this way, the
# integration and interop suites (dist/test) then run as root.
#
# Run by root, the suite runs as nobody (uid and gid 65534, no supplementary
# groups, no capabilities). nobody must be able to read the checkout; a fresh CI
# checkout often sits below a directory nobody cannot enter (/root, a 0750 home),
# so then the files the suite reads (everything but .git) are copied to a
# temporary directory that nobody can read, and the suite runs there.
# Run by anyone else, the suite simply runs as that user.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  exec node --test dist/src/
fi

NOBODY=65534
as_nobody() {
  setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$@"
}

dir=$PWD
# absolute paths: relative ones would be looked up from the current directory, past the parents' permissions
if ! as_nobody sh -c 'for f in package.json dist/src/errdefs/index.js node_modules/better-sqlite3/package.json; do
       test -r "$1/$f" || exit 1; done' sh "$dir" 2>/dev/null; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/stowage-unit-XXXXXX")
  trap 'rm -rf "$dir"' EXIT INT TERM
  tar --exclude=./.git -cf - . | tar -xf - -C "$dir"
  chmod -R a+rX "$dir"
  echo "unit suite: $PWD is not readable by nobody, running a copy in $dir" >&2
fi

home=$(mktemp -d "${TMPDIR:-/tmp}/stowage-unit-home-XXXXXX")
chown $NOBODY:$NOBODY "$home"
# not exec: the traps remove the copy and the home afterwards
status=0
(cd "$dir" && HOME="$home" as_nobody node --test dist/src/) || status=$?
rm -rf "$home"
exit $status
