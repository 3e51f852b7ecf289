#!/usr/bin/env bash
# The package as a new user gets it, with Node and npm only, in a temporary
# folder: every command of docs/getting-started.md's sh blocks, in order
# (pack, install the tarball in an empty folder, `npx scalar init mybot`,
# `npm install`, `npm test`, `npm run typecheck`, `npm start` and `scalar
# chat`), plus checks of what they made: the tarball's contents, the
# project under strict compiler flags with every public entry imported, an
# answer from the bots, a graceful stop on SIGTERM. Needs the npm registry.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
doc="$root/docs/getting-started.md"
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
# Waits (at most $2 tenths of a second) until the command $1 succeeds.
wait_until() {
  local waited=0
  until eval "$1"; do
    [ "$waited" -lt "$2" ] || return 1
    sleep 0.1
    waited=$((waited + 1))
  done
}
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

npm ping --loglevel=error >/dev/null 2>&1 ||
  fail "the npm registry ($(npm config get registry)) is not reachable: the package cannot be checked"

# The doc's "checkout of scalarbot next to your new folder".
ln -s "$root" "$work/scalarbot"
cd "$work"

check_tarball() {
  local tarball files listing unexpected
  tarball="$PWD/scalarbot-$(node -p "require('$root/package.json').version").tgz"
  [ -f "$tarball" ] || fail "npm pack wrote no $tarball"
  files=$(tar -tzf "$tarball")
  listing=$(tar -tzvf "$tarball")
  # Only what users need: the launcher, the sources, the declarations, the templates.
  unexpected=$(grep -vE '^package/(bin/|src/|dist/types/|templates/|package\.json$|README\.md$|LICENSE$)' <<<"$files" || true)
  [ -z "$unexpected" ] || fail "the tarball holds files users do not need:"$'\n'"$unexpected"
  grep -qx 'package/dist/types/index.d.ts' <<<"$files" || fail "no declarations in the tarball"
  grep -qx 'package/templates/project/gitignore' <<<"$files" || fail "no project template in the tarball"
  grep -E ' package/bin/scalar\.js$' <<<"$listing" | grep -q '^-rwx' || fail "bin/scalar.js is not executable"
  step "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(wc -l <<<"$files") files"
}

start_bots() {
  SCALAR_PORT=0 npm start >start.log 2>&1 &
  start_pid=$!
  wait_until 'grep -q "bots started" start.log || ! kill -0 "$start_pid" 2>/dev/null' 300 ||
    fail "no 'bots started' within 30 s:"$'\n'"$(cat start.log)"
  grep -q "bots started" start.log || fail "npm start ended before the bots started:"$'\n'"$(cat start.log)"
  port=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' start.log | head -1)
  [ -n "$port" ] || fail "no port in the start log:"$'\n'"$(cat start.log)"
}

# What the doc types into scalar chat, piped in; the bot's answer is then in its log.
chat_hello() {
  printf '!hello\n/quit\n' | npx scalar chat --as alice --port "$port" "#general" >chat.log 2>&1 ||
    fail "scalar chat failed:"$'\n'"$(cat chat.log)"
  grep -q '#general <alice> !hello' chat.log || fail "scalar chat did not show the message:"$'\n'"$(cat chat.log)"
  wait_until "find logs -name '*.jsonl' -exec cat {} + 2>/dev/null | grep -q '\"body\":\"Hello, alice!\"'" 100 ||
    fail "no answer to !hello in logs/ within 10 s:"$'\n'"$(cat start.log)"
}

stop_bots() {
  kill -TERM "$start_pid"
  local status=0
  wait "$start_pid" || status=$?
  start_pid=""
  # npm passes SIGTERM to the script's shell, which dies of it (npm then
  # exits 143) or has exec'd scalar (npm exits with scalar's 0); either way
  # scalar's launcher passes SIGTERM on and the bots stop gracefully.
  [ "$status" -eq 0 ] || [ "$status" -eq 143 ] ||
    fail "npm start exited with $status after SIGTERM:"$'\n'"$(cat start.log)"
  wait_until 'grep -q "runner: stopped" start.log' 100 ||
    fail "the bots did not stop within 10 s of SIGTERM:"$'\n'"$(cat start.log)"
  grep -q "SIGTERM, stopping" start.log || fail "the runner did not stop on SIGTERM:"$'\n'"$(cat start.log)"
}

strict_typecheck() {
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
  local checked
  checked=$(npx tsc --noEmit -p tsconfig.strict.json --listFiles | grep -c '/node_modules/scalarbot/dist/types/' || true)
  [ "$checked" -gt 50 ] || fail "tsc read $checked of scalarbot's declarations: the exports' types conditions are not used"
  rm entries.ts tsconfig.strict.json
}

# The doc's commands: the lines of its sh blocks, comments left out.
mapfile -t commands < <(awk '/^```sh$/ { on = 1; next } /^```/ { on = 0 } on && NF && !/^#/' "$doc" |
  sed -E 's/[[:space:]]+# .*$//')
[ "${#commands[@]}" -gt 0 ] || fail "no sh blocks in $doc"
ran_start="" ran_chat=""
for command in "${commands[@]}"; do
  step "\$ $command"
  case "$command" in
  "npm start") start_bots && ran_start=1 ;;
  'npx scalar chat --as alice "#general"') chat_hello && ran_chat=1 ;;
  *) eval "$command" ;;
  esac
  case "$command" in
  "npm pack ../scalarbot") check_tarball ;;
  "npm run typecheck")
    step "tsc under strict flags, every public entry imported"
    strict_typecheck
    ;;
  esac
done
[ -n "$ran_start" ] && [ -n "$ran_chat" ] || fail "$doc no longer shows npm start and scalar chat as this check runs them"
step "SIGTERM to npm start"
stop_bots
step "ok: $doc runs as written"
