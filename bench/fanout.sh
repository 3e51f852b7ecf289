#!/usr/bin/env bash
# Server fan-out beside ngIRCd, NATS and a bare Bun TCP fan-out, measured by
# the shared load generator in one run (ratios hold on a noisy machine).
#
#   bench/fanout.sh                      # s100 and s1000, 3 runs each
#   bench/fanout.sh --runs 1 --configs s100 --paced false
#
# Needs: apt-get install -y ngircd nats-server; the yardstick in
# ../shared/anchors (copied to $ANCHORS, default /tmp/anchors).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
anchors=$(bench/lib/anchors.sh)
# The Bun ceiling anchor uses the project's own Bun.
export PATH="$root/node_modules/.bin:$PATH"

exec node "$anchors/run-all.mjs" \
  --only scalar,ngircd,nats,ceiling-bun-batch \
  --bun "$root/node_modules/.bin/bun" \
  --scalar-cwd "$root" \
  --scalar-cmd "$root/node_modules/.bin/bun src/cli.ts server --port {port} --domain {domain} {admins} --rate 100000000 --burst 100000000" \
  --out "$root/bench/results/$(date -u +%Y-%m-%dT%H-%M-%S)" \
  "$@"
