#!/usr/bin/env bash
# Runs every test: formatting and lints, native tests, browser tests against a real socket.io server, JS tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a node server in the background and waits until it prints "listening".
start_server() {
  local name=$1 log="target/$1.log"; shift
  mkdir -p target
  "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "listening" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$name did not start:"; cat "$log"; exit 1
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (host and wasm32)"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings

step "native tests"
cargo test

step "browser tests: wasm in Chromium, Firefox and WebKit against a real socket.io server"
browser_start=$SECONDS
start_server test-server env TEST_SERVER_PORT=3210 TEST_SERVER_QUIET=1 node tests/server/server.js
start_server polling-server env TEST_SERVER_PORT=3211 TEST_SERVER_TRANSPORTS=polling TEST_SERVER_QUIET=1 node tests/server/server.js
TEST_SERVER_URL=http://127.0.0.1:3210 POLLING_SERVER_URL=http://127.0.0.1:3211 bash scripts/test-browsers.sh
web_seconds=$((SECONDS - browser_start))

step "fuzzing the packet decoders and the store (${FUZZ_SECONDS:-30} s each)"
bash scripts/fuzz.sh

step "server smoke tests"
node tests/server/smoke.mjs
node examples/server/smoke.mjs             # the back end on its embedded PostgreSQL (PGlite)
node examples/server/smoke.mjs --postgres  # the same tests on a real PostgreSQL server it starts and stops

step "JS: package build, type-check, vitest (Node + jsdom), npm pack smoke"
bash scripts/test-js.sh

step "end-to-end: example page and Next.js app (Turbopack + webpack builds) in Chromium, Firefox and WebKit"
e2e_start=$SECONDS
bash scripts/test-e2e.sh
e2e_seconds=$((SECONDS - e2e_start))

step "socket.io-client parity: its own test cases, ported, in Chromium against its test server (socket.io 4.8)"
bash scripts/test-parity.sh

step "chaos soak: server killed, black-holed and dropped while messages stream (short form)"
bash scripts/chaos.sh

step "cluster: 3 nodes on PostgreSQL + Redis Streams adapter behind HAProxy; nodes stopped and crashed, Redis restarted"
node tests/cluster/run.mjs

printf '\nbrowser parts: tests/web.rs in 3 engines %ss; e2e (builds included) %ss; together %ss\n' \
  "$web_seconds" "$e2e_seconds" "$((web_seconds + e2e_seconds))"
printf '\n\033[1;32mall tests passed\033[0m\n'
