#!/usr/bin/env bash
# tests/web.rs (wasm-bindgen-test) in each browser engine, against the socket.io servers at TEST_SERVER_URL and
# POLLING_SERVER_URL (scripts/test.sh starts them):
#   chromium  Debian's chromium through chromedriver, headless (webdriver.json)
#   firefox   Debian's firefox-esr through geckodriver (cargo install), headless (webdriver-firefox.json)
#   webkit    WebKitGTK's MiniBrowser through WebKitWebDriver (wasm-bindgen-test-runner's SAFARIDRIVER slot), under
#             xvfb-run: WebKitGTK has no headless mode
# BROWSERS="chromium firefox webkit" (the default) picks engines. Every engine runs even if one fails; then a line
# per engine (tests passed and failed, seconds) and the exit status: non-zero if any engine failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
: "${TEST_SERVER_URL:?set TEST_SERVER_URL (scripts/test.sh starts the servers)}"
: "${POLLING_SERVER_URL:?set POLLING_SERVER_URL}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-60}
# The runner takes the first driver it finds set (gecko, safari, chrome, edge): each engine sets only its own.
unset GECKODRIVER SAFARIDRIVER CHROMEDRIVER MSEDGEDRIVER GECKODRIVER_REMOTE SAFARIDRIVER_REMOTE CHROMEDRIVER_REMOTE \
  MSEDGEDRIVER_REMOTE WASM_BINDGEN_TEST_WEBDRIVER_JSON

mkdir -p target
cargo test --target wasm32-unknown-unknown --test web --no-run # once: the same build runs in every engine

version() {
  case $1 in
    chromium) /usr/bin/chromium --version 2>/dev/null | cut -d" " -f1-2 ;;
    firefox) /usr/bin/firefox-esr --version 2>/dev/null | head -n1 ;;
    webkit) echo "WebKitGTK $(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo '?')" ;;
  esac
}

run_engine() {
  local test=(cargo test --target wasm32-unknown-unknown --test web)
  case $1 in
    chromium) CHROMEDRIVER=/usr/bin/chromedriver "${test[@]}" ;;
    firefox) GECKODRIVER=$(command -v geckodriver) WASM_BINDGEN_TEST_WEBDRIVER_JSON=webdriver-firefox.json "${test[@]}" ;;
    webkit) SAFARIDRIVER=/usr/bin/WebKitWebDriver xvfb-run -a "${test[@]}" ;;
    *) echo "unknown engine $1 (chromium, firefox, webkit)" >&2; return 2 ;;
  esac
}

summary=()
failed=0
total_start=$SECONDS
for engine in ${BROWSERS:-chromium firefox webkit}; do
  printf '\n\033[1m-- tests/web.rs in %s (%s)\033[0m\n' "$engine" "$(version "$engine")"
  log=target/web-$engine.log
  start=$SECONDS
  status=0
  run_engine "$engine" 2>&1 | tee "$log" || status=$?
  seconds=$((SECONDS - start))
  result=$(grep -o 'test result: [A-Za-z]*\. [0-9]* passed; [0-9]* failed' "$log" | tail -n1 || true)
  [ -n "$result" ] || result="no test result (see $log)"
  [ "$status" -eq 0 ] || failed=1
  summary+=("$(printf '  %-8s %-42s %-40s %4ss' "$engine" "$(version "$engine")" "${result#test result: }" "$seconds")")
done

printf '\n\033[1mtests/web.rs per engine\033[0m\n'
printf '%s\n' "${summary[@]}"
printf '  all engines: %ss\n' "$((SECONDS - total_start))"
exit $failed
