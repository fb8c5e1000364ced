#!/usr/bin/env bash
# Installs everything the build and the tests need. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

# The browsers the tests run in, all from Debian: Chromium + chromedriver, Firefox ESR (geckodriver below), WebKitGTK
# with WebKitWebDriver (its MiniBrowser needs an X display: Xvfb through xvfb-run, which needs xauth).
missing=()
for pair in /usr/bin/chromium:chromium /usr/bin/chromedriver:chromium-driver /usr/bin/firefox-esr:firefox-esr \
  /usr/bin/WebKitWebDriver:webkit2gtk-driver /usr/bin/xvfb-run:xvfb /usr/bin/xauth:xauth; do
  [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
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

# Firefox's WebDriver server, from crates.io (built once, ~3-6 min on 2 cores; kept in ~/.cargo/bin afterwards).
GECKODRIVER_VERSION=0.37.1
# (read whole, not piped into grep -q: geckodriver panics on a closed pipe)
gecko_installed=$(geckodriver --version 2>/dev/null || true)
if [[ "$gecko_installed" != "geckodriver $GECKODRIVER_VERSION"* ]]; then
  log "installing geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION"
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "ok"
