#!/usr/bin/env bash
# Builds the package and the example page, then serves both from the dev Socket.IO server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build-package.sh
node examples/web/build.mjs
PORT=${PORT:-8080}
echo
echo "  inbox-realtime demo: open http://127.0.0.1:$PORT/  (Ctrl+C to stop)"
echo
exec env PORT="$PORT" STATIC_DIR=examples/web/dist PKG_DIR=pkg node examples/server/server.js
