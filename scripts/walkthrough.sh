#!/bin/sh
# The image lesson, end to end, on stowage (in its own store under
# /var/lib/stowage-lesson and /run/stowage-lesson, removed at the end).
# As an ordinary user (rootless): ~/.local/share/stowage-lesson and <run state>/lesson.
# LESSON_ROOT / LESSON_RUNROOT choose other directories.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exec node "$here/dist/src/lesson/walkthrough.js"
