#!/usr/bin/env bash
# Installs what the demo or the tests need. Idempotent: a second run only checks.
#   bash scripts/setup.sh demo   what building the package and the example page needs: the wasm32 Rust target,
#                                wasm-bindgen-cli, nightly's rust-src if nightly is there, the root npm packages
#   bash scripts/setup.sh test   that, plus what only the tests use: clippy + rustfmt, Debian's chromium +
#                                chromium-driver, cargo-fuzz (also the default, without an argument)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-test}
case "$MODE" in
  demo | test) ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
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

if [ "$MODE" = test ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  log "installing Debian chromium + chromium-driver"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
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

if [ "$MODE" = test ] && ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "ok ($MODE)"
