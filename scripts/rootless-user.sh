#!/bin/sh
# Lets an ordinary user run stowage rootless (as root; scripts/setup.sh --rootless-user NAME runs
# it): subordinate ID ranges for NAME in /etc/subuid and /etc/subgid when it has none, the first
# 65536 IDs past every range already given (as useradd picks them).
#
#   scripts/rootless-user.sh NAME
set -eu
u=${1:?usage: rootless-user.sh NAME}
uid=$(id -u "$u" 2>/dev/null) || { echo "rootless-user: no user $u" >&2; exit 1; }
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  if awk -F: -v u="$u" -v id="$uid" '($1 == u || $1 == id) && $3 > 0 { found = 1 } END { exit !found }' "$f"; then
    continue
  fi
  start=$(awk -F: 'BEGIN { s = 100000 } NF >= 3 && $2 + $3 > s { s = $2 + $3 } END { print s }' "$f")
  echo "$u:$start:65536" >> "$f"
  echo "rootless-user: $f: $u:$start:65536"
done
