#!/usr/bin/env bash
# Chaos soak test (tests/chaos/supervisor.mjs): the dev server is SIGKILLed and restarted, black-holed and cut
# while it streams messages into a room that a headless Chromium page (the built package) shows; at the end the
# page's store must hold exactly the server's messages, in order, without duplicates; sends go through the outbox,
# some during outages and just before page reloads: every one on the server once, none lost or falsely failed.
#
#   bash scripts/chaos.sh                                  # CI size: N=300 at 50/s, 3 restarts, 1 black-hole, 1 drop,
#                                                          # 3 page reloads (1 with the server down) (~30-40 s)
#   CHAOS_N=5000 CHAOS_K=20 CHAOS_BLACKHOLES=4 bash scripts/chaos.sh   # longer soak, prints the same figures
#
# Other knobs: CHAOS_RATE, CHAOS_DROPS, CHAOS_RELOADS, CHAOS_SENDS, CHAOS_SEED, CHAOS_RECOVERY=1, CHAOS_PING_INTERVAL_MS,
# CHAOS_PING_TIMEOUT_MS, CHAOS_TIMEOUT_S, CHROMIUM_PATH. Exit code: 0 pass, 1 fail, 2 run timed out.
# Figures and a JSON report (lost/duplicated ids, event timeline) go to artifacts/chaos/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

[ -d node_modules/playwright-core ] || { echo "chaos: run 'npm install' first (needs playwright-core, socket.io, express)" >&2; exit 1; }
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "chaos: no Chromium at $CHROMIUM (set CHROMIUM_PATH)" >&2; exit 1; }

if [ ! -f pkg/dist/index.js ] || [ ! -f pkg/wasm/inbox_realtime_bg.wasm ] || [ "${CHAOS_BUILD:-0}" = 1 ]; then
  ./scripts/build-package.sh
fi

exec node tests/chaos/supervisor.mjs
