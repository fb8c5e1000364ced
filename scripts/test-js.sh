#!/usr/bin/env bash
# JS tests of the published package: build pkg/, type-check the tests against pkg's .d.ts, run vitest (Node and
# jsdom, importing `inbox-realtime` from pkg/), then `npm pack` it and import it by name from a scratch app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

./scripts/build-package.sh
echo "test-js: tsc -p js/tsconfig.test.json"
tsc -p js/tsconfig.test.json
echo "test-js: vitest"
CI=1 vitest run --config js/vitest.config.ts
echo "test-js: npm pack smoke test"
node js/scripts/pack-smoke.mjs pkg
