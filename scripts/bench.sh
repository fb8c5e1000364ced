#!/usr/bin/env bash
# Performance benchmark: inbox-realtime vs socket.io-client baselines in headless Chromium against one local
# Socket.IO 4.8 server. Prints one table and writes BENCHMARKS.md (see bench/run.mjs for what is measured).
#   bash scripts/bench.sh                   full run (7 paired trials, ~10 min)
#   BENCH_QUICK=1 bash scripts/bench.sh     smoke run for CI (~2 min); exits non-zero if a correctness check fails
#   BENCH_TRIALS=N, BENCH_PROFILE=1 (CPU profile of ours), BENCH_ONLY=size,cold,rtt,e2e,replay,store,react,crossings,inbox,memory,reconnect
#   BENCH_AB=dir                         A/B instead of the table: pkg/wasm against another wasm-bindgen output (see run.mjs)
#   BENCH_TRACE=1 [BENCH_SIZES=1000]     instead of the table: per-message main-thread time in e2e from a Chromium trace
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

[ -d node_modules/socket.io-client ] && [ -d node_modules/playwright-core ] && [ -d node_modules/esbuild ] \
  || { echo "bench: run 'npm install' first" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "bench: /usr/bin/chromium not found (see scripts/setup.sh)" >&2; exit 1; }

bash scripts/build-package.sh >&2
exec node bench/run.mjs
