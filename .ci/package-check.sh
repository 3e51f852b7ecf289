#!/usr/bin/env bash
# The package as a new user gets it, in a temporary folder, with Node and
# npm only: pack, install the tarball in an empty folder, `npx scalar init
# mybot`, then in mybot `npm install`, `npm test`, `tsc --noEmit` with its
# tsconfig and with strict flags (every public entry imported), and a short
# `npm start` that answers a message and stops on SIGTERM.
# docs/getting-started.md shows these same commands. Needs the npm registry.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/scalarbot-package.XXXXXX")"
start_pid=""
cleanup() {
  if [ -n "$start_pid" ]; then kill -TERM "$start_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "package-check: $*"; }
fail() {
  echo "package-check: FAILED: $*" >&2
  exit 1
}
npm_quiet=(--no-audit --no-fund --loglevel=error)

npm ping --loglevel=error >/dev/null 2>&1 ||
  fail "the npm registry ($(npm config get registry)) is not reachable: the package cannot be checked"

step "npm pack"
(cd "$root" && npm pack --pack-destination "$work" >"$work/pack.out" 2>"$work/pack.err") ||
  fail "npm pack failed (its prepack writes the declarations with tsc):"$'\n'"$(cat "$work/pack.out" "$work/pack.err")"
tarball="$work/$(tail -1 "$work/pack.out")"
[ -f "$tarball" ] || fail "npm pack wrote no tarball ($(cat "$work/pack.out"))"
# Only what users need: the launcher, the sources, the declarations, the templates.
listing=$(tar -tzvf "$tarball")
files=$(tar -tzf "$tarball")
unexpected=$(grep -vE '^package/(bin/|src/|dist/types/|templates/|package\.json$|README\.md$|LICENSE$)' <<<"$files" || true)
[ -z "$unexpected" ] || fail "the tarball holds files users do not need:"$'\n'"$unexpected"
grep -qx 'package/dist/types/index.d.ts' <<<"$files" || fail "no declarations in the tarball"
grep -qx 'package/templates/project/gitignore' <<<"$files" || fail "no project template in the tarball"
grep -E ' package/bin/scalar\.js$' <<<"$listing" | grep -q '^-rwx' || fail "bin/scalar.js is not executable"
step "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(wc -l <<<"$files") files"

step "npm install the tarball in an empty folder"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install "${npm_quiet[@]}" "$tarball"
npx scalar --version >/dev/null || fail "npx scalar does not run"

step "npx scalar init mybot"
npx scalar init mybot --scalarbot "$tarball"
cd mybot

step "npm install, npm test, npm run typecheck"
npm install "${npm_quiet[@]}"
npm test
npm run typecheck

step "tsc under strict flags, every public entry imported"
cat >entries.ts <<'EOF'
import * as root from "scalarbot";
import * as client from "scalarbot/client";
import * as plugins from "scalarbot/plugins";
import * as protocol from "scalarbot/protocol";
import * as server from "scalarbot/server";
import * as testing from "scalarbot/testing";

export const entries = [root, client, plugins, protocol, server, testing];
EOF
cat >tsconfig.strict.json <<'EOF'
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "noPropertyAccessFromIndexSignature": true,
    "skipLibCheck": false
  },
  "include": ["plugins", "test", "entries.ts"]
}
EOF
npx tsc --noEmit -p tsconfig.strict.json
checked=$(npx tsc --noEmit -p tsconfig.strict.json --listFiles | grep -c '/node_modules/scalarbot/dist/types/' || true)
[ "$checked" -gt 50 ] || fail "tsc read $checked of scalarbot's declarations: the exports' types conditions are not used"

step "npm start: the bots answer, then SIGTERM stops them"
SCALAR_PORT=0 npm start >start.log 2>&1 &
start_pid=$!
waited=0
until grep -q "bots started" start.log; do
  kill -0 "$start_pid" 2>/dev/null || fail "npm start ended before the bots started:"$'\n'"$(cat start.log)"
  [ "$waited" -lt 300 ] || fail "no 'bots started' within 30 s:"$'\n'"$(cat start.log)"
  sleep 0.1
  waited=$((waited + 1))
done
port=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' start.log | head -1)
[ -n "$port" ] || fail "no port in the start log:"$'\n'"$(cat start.log)"
npx scalar send --port "$port" --as alice "#general" '!hello' >/dev/null
# logbot archives #general, hello's answer included.
waited=0
until find logs -name '*.jsonl' -exec cat {} + 2>/dev/null | grep -q '"body":"Hello, alice!"'; do
  [ "$waited" -lt 100 ] || fail "no answer to !hello in logs/ within 10 s:"$'\n'"$(cat start.log)"
  sleep 0.1
  waited=$((waited + 1))
done
kill -TERM "$start_pid"
status=0
wait "$start_pid" || status=$?
start_pid=""
# npm passes SIGTERM to the script's shell, which dies of it (npm then exits
# 143) or has exec'd scalar (then npm exits with scalar's 0); either way
# scalar's launcher passes SIGTERM on and the bots stop gracefully.
[ "$status" -eq 0 ] || [ "$status" -eq 143 ] ||
  fail "npm start exited with $status after SIGTERM:"$'\n'"$(cat start.log)"
waited=0
until grep -q "runner: stopped" start.log; do
  [ "$waited" -lt 100 ] || fail "the bots did not stop within 10 s of SIGTERM:"$'\n'"$(cat start.log)"
  sleep 0.1
  waited=$((waited + 1))
done
grep -q "SIGTERM, stopping" start.log || fail "the runner did not stop on SIGTERM:"$'\n'"$(cat start.log)"
step "ok"
