#!/usr/bin/env bash
# socket.io-client's own test cases, ported (tests/parity/cases.mjs), in headless Chromium against the server
# those tests use (tests/parity/server.mjs: support/server.ts on socket.io 4.8), both started here on free ports
# of 127.0.0.1. Prints one line per case and the counts: passed, failed, pending (feature not yet in the client),
# not applicable (and why). Then the same cases against socket.io-client itself, which checks the ports (the
# pending ones included): only its failures and counts are shown. Exit code non-zero if a case failed in either
# run. Report of the first run: target/parity/report.json.
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
status=0
timeout 600 node tests/parity/run.mjs || status=$?

echo
echo "== the same cases against socket.io-client 4.8 (PARITY_CLIENT=socket.io-client): a failure here is a wrong port"
mkdir -p target/parity
ref=0
PARITY_CLIENT=socket.io-client timeout 300 node tests/parity/run.mjs >target/parity/reference.log 2>&1 || ref=$?
grep -E -A3 '^FAIL' target/parity/reference.log || true
grep -E '^parity:' target/parity/reference.log || tail -20 target/parity/reference.log
[ "$ref" = 0 ] || status=$ref
exit $status
