#!/usr/bin/env bash
# The back end scaled out locally (examples/server/ops/cluster.mjs): PostgreSQL, Redis, 3 dev-server nodes on the
# Redis Streams adapter, HAProxy with sticky sessions in front, all on 127.0.0.1 and stopped by Ctrl+C. Builds the
# package and the example page first, as `make demo` does, and prints where to point the page.
#   CLUSTER_PORT=8090 CLUSTER_NODES=3 RECOVERY=1 bash scripts/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cluster
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build-package.sh
node examples/web/build.mjs
exec env STATIC_DIR=examples/web/dist PKG_DIR=pkg node examples/server/ops/cluster.mjs
