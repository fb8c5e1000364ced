#!/usr/bin/env bash
# End-to-end tests in Chromium (playwright-core), Firefox ESR and WebKitGTK (W3C WebDriver: geckodriver, and
# WebKitWebDriver under xvfb-run; tests/e2e/webdriver.mjs), Debian's browsers, nothing downloaded:
#   1. the example page (examples/web, bundled with esbuild, served by the dev server)
#   2. the Next.js app (examples/nextjs) built with Turbopack AND with webpack, under `next start`
#   3. the README's "Use it in your own Next.js app" run on a clean clone (scripts/own-app-recipe.sh), under `next start`
# E2E_BROWSERS="chromium firefox webkit" (the default) picks engines; every engine runs even if one fails.
# Assumes `bash scripts/setup.sh` ran (root node_modules, chromium); builds pkg/ if it is missing.
# Screenshots and server logs: artifacts/e2e/. Exit code: non-zero if any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export NEXT_TELEMETRY_DISABLED=1
# The Next.js builds inline the socket URL; the e2e test starts the dev server on this port.
export E2E_NEXT_SOCKET_PORT=${E2E_NEXT_SOCKET_PORT:-18931}
NEXT_APP=examples/nextjs

t0=$SECONDS
step() { printf '\n\033[1;34m==> %s\033[0m (%ss)\n' "$*" "$((SECONDS - t0))"; }

if [ ! -d node_modules/playwright-core ]; then
  step "npm ci (repo root)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f pkg/package.json ] || [ ! -f pkg/wasm/inbox_realtime_bg.wasm ]; then
  step "build the package (pkg/ missing)"
  bash scripts/build-package.sh
fi
mkdir -p artifacts/e2e
rm -f artifacts/e2e/*.png artifacts/e2e/*.log

step "example page: type-check and bundle (examples/web/dist)"
tsc -p examples/web
node examples/web/build.mjs

# ---- Next.js app dependencies: third-party ones from its lockfile, inbox-realtime copied from pkg/ ----
# .npmrc install-links=true makes `file:../../pkg` a copy (Turbopack cannot follow a symlink out of the app),
# so it must be refreshed when pkg/ changes: the stamp is a hash of pkg/'s files.
pkg_hash() { (cd pkg && find . -type f ! -name '*.tgz' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }
stamp=$NEXT_APP/node_modules/.inbox-realtime.sha256
if [ ! -d $NEXT_APP/node_modules ] || [ $NEXT_APP/package-lock.json -nt $NEXT_APP/node_modules/.package-lock.json ]; then
  step "Next.js app: npm ci"
  (cd $NEXT_APP && npm ci --no-audit --no-fund --loglevel=error)
  pkg_hash >"$stamp"
elif [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(pkg_hash)" ] || [ ! -f $NEXT_APP/node_modules/inbox-realtime/package.json ]; then
  step "Next.js app: refresh the local inbox-realtime copy"
  rm -rf $NEXT_APP/node_modules/inbox-realtime
  (cd $NEXT_APP && npm install --no-save --no-audit --no-fund --loglevel=error)
  pkg_hash >"$stamp"
else
  step "Next.js app: dependencies up to date"
fi

step "Next.js app: next build (Turbopack)"
(cd $NEXT_APP && NEXT_PUBLIC_SOCKET_URL="http://127.0.0.1:$E2E_NEXT_SOCKET_PORT" node_modules/.bin/next build)

step "Next.js app: next build --webpack (into .next-webpack)"
(cd $NEXT_APP && NEXT_DIST_DIR=.next-webpack NEXT_PUBLIC_SOCKET_URL="http://127.0.0.1:$E2E_NEXT_SOCKET_PORT" \
  node_modules/.bin/next build --webpack)

step "the README's own-app recipe on a clean clone of HEAD (make package, npm i the tarball, next build)"
bash scripts/own-app-recipe.sh

status=0
summary=()
e2e_start=$SECONDS
for engine in ${E2E_BROWSERS:-chromium firefox webkit}; do
  step "e2e tests in $engine (node --test tests/e2e/)"
  log=artifacts/e2e/node-test-$engine.log
  start=$SECONDS
  engine_status=0
  # `timeout` is a last guard against a hung browser or child; each test has its own 60 s limit.
  E2E_BROWSER=$engine timeout 420 node --test --test-concurrency=1 --test-reporter=spec tests/e2e/ 2>&1 | tee "$log" ||
    engine_status=$?
  [ "$engine_status" -eq 0 ] || status=1
  counts=$(sed -n 's/^ℹ \(tests\|pass\|fail\|skipped\) \([0-9]*\)$/\1 \2/p' "$log" | paste -sd' ' -)
  summary+=("$(printf '  %-8s %-30s %4ss' "$engine" "${counts:-no test summary (see $log)}" "$((SECONDS - start))")")
done

step "done: exit $status; screenshots in artifacts/e2e/"
ls artifacts/e2e/*.png 2>/dev/null | sed 's/^/  /' || true
printf '\n\033[1me2e per engine\033[0m\n'
printf '%s\n' "${summary[@]}"
printf '  all engines: %ss\n' "$((SECONDS - e2e_start))"
exit $status
