#!/usr/bin/env bash
# Builds the package and the example page, then serves both from the dev Socket.IO server.
# Installs only what that needs (scripts/setup.sh demo): no browser, no fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build-package.sh
node examples/web/build.mjs
PORT=${PORT:-8080}
URL="http://127.0.0.1:$PORT"
JSON="-H 'Content-Type: application/json'"
cat <<TEXT

  inbox-realtime demo: open $URL/  (Ctrl+C to stop)
  The page's buttons simulate a customer; from another shell:

  a customer message, the original test plan's webhook (room 628123456789; a second post is a redelivery and
  is ignored, as the server log says):
    curl -X POST $URL/webhook/whatsapp $JSON --data @tests/e2e/fixtures/test-plan-webhook.json
  a customer message to any room (the server builds the webhook):
    curl -X POST $URL/dev/customer-message $JSON -d '{"room_id":"15550001111","text":"Hola!","name":"Ana"}'
  the customer typing (dots for 3 s):
    curl -X POST $URL/dev/typing $JSON -d '{"room_id":"15550001111"}'

TEXT
exec env PORT="$PORT" STATIC_DIR=examples/web/dist PKG_DIR=pkg node examples/server/server.js
