#!/usr/bin/env bash
# Installs what the demo or the tests need. Idempotent: a second run only checks.
#   bash scripts/setup.sh demo   what building the package and the example page needs: the wasm32 Rust target,
#                                wasm-bindgen-cli, nightly's rust-src if nightly is there, the root npm packages
#   bash scripts/setup.sh cluster demo's, plus the services `make cluster` runs: PostgreSQL, redis-server, HAProxy
#   bash scripts/setup.sh test   demo's, plus what only the tests use: clippy + rustfmt, the browsers (Debian's chromium,
#                                firefox-esr, WebKitGTK + drivers, geckodriver), cargo-fuzz (the default, without an argument)
#                                and the back end's services: PostgreSQL, redis-server, HAProxy (started by the tests
#                                themselves on 127.0.0.1, never as system services)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-test}
case "$MODE" in
  demo | cluster | test) ;;
  *) echo "usage: $0 [demo|cluster|test]" >&2; exit 2 ;;
esac

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$MODE" = test ]; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi

# The browsers the tests run in, all from Debian: Chromium + chromedriver, Firefox ESR (geckodriver below), WebKitGTK
# with WebKitWebDriver (its MiniBrowser needs an X display: Xvfb through xvfb-run, which needs xauth). The demo
# needs none of them.
missing=()
if [ "$MODE" = test ]; then
  for pair in /usr/bin/chromium:chromium /usr/bin/chromedriver:chromium-driver /usr/bin/firefox-esr:firefox-esr \
    /usr/bin/WebKitWebDriver:webkit2gtk-driver /usr/bin/xvfb-run:xvfb /usr/bin/xauth:xauth; do
    [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
  done
fi
if [ "$MODE" = test ] || [ "$MODE" = cluster ]; then
  for pair in /usr/bin/redis-server:redis-server /usr/sbin/haproxy:haproxy; do
    [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # RUNLEVEL=1: the packages' init scripts start no system PostgreSQL/Redis/HAProxy on their default ports; the
  # tests start their own on 127.0.0.1 and stop them.
  $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly, or it refuses the module.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  log "installing wasm-bindgen-cli $WB_VERSION"
  # no --locked: the registry here lacks one of its locked dependency versions
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi
# The shipped wasm is built with nightly's build-std when the machine has nightly (scripts/nightly-wasm.sh).
bash scripts/nightly-wasm.sh install

if [ "$MODE" = test ]; then
  # Firefox's WebDriver server, from crates.io (built once, ~3-6 min on 2 cores; kept in ~/.cargo/bin afterwards).
  GECKODRIVER_VERSION=0.37.1
  # (read whole, not piped into grep -q: geckodriver panics on a closed pipe)
  gecko_installed=$(geckodriver --version 2>/dev/null || true)
  if [[ "$gecko_installed" != "geckodriver $GECKODRIVER_VERSION"* ]]; then
    log "installing geckodriver $GECKODRIVER_VERSION"
    cargo install geckodriver --version "$GECKODRIVER_VERSION"
  fi
fi

if [ "$MODE" = test ] && ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The dev server's embedded PostgreSQL (PGlite) starts from an initialised data directory cached once per machine:
# made here, so no server start (the demo's, an e2e test's) waits seconds for initdb.
node -e 'import("./examples/server/db.js").then((db) => db.warmEmbedded())'
log "ok ($MODE)"
