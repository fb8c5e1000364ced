#!/usr/bin/env bash
# socket.io-client's own test cases, ported (tests/parity/cases.mjs), in headless Chromium against the server
# those tests use (tests/parity/server.mjs: support/server.ts on socket.io 4.8), both started here on free ports
# of 127.0.0.1. Prints one line per case and the counts: passed, failed, pending (feature not yet in the client),
# not applicable (and why). Exit code non-zero if a case failed. Report: target/parity/report.json.
# Assumes `bash scripts/setup.sh` ran (root node_modules, chromium); builds pkg/ if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f pkg/package.json ] || [ ! -f pkg/wasm/inbox_realtime_bg.wasm ]; then
  bash scripts/build-package.sh
fi
# `timeout`: a last guard against a hung browser; every case has its own limit.
timeout 600 node tests/parity/run.mjs
