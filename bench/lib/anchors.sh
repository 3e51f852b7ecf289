#!/usr/bin/env bash
# Prints the path of a writable, installed copy of the shared yardstick
# (../shared/anchors), making it first if needed: $ANCHORS, default /tmp/anchors.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
anchors=${ANCHORS:-/tmp/anchors}
shared=${SHARED_ANCHORS:-$root/../shared/anchors}
if [ ! -d "$anchors/node_modules" ]; then
  rm -rf "$anchors" && cp -r "$shared" "$anchors"
  (cd "$anchors" && npm ci --no-audit --no-fund) >&2
fi
printf '%s\n' "$anchors"
