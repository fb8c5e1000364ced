#!/usr/bin/env bash
# Builds the npm package and packs it into the repository root: inbox-realtime-<version>.tgz, to install in an app
# with `npm i <path>/inbox-realtime-<version>.tgz` (see the README, "Use it in your own Next.js app").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build-package.sh
tgz=$(cd pkg && npm pack --silent --pack-destination ..)
echo
echo "  $PWD/$tgz"
echo "  in your app: npm i $PWD/$tgz"
