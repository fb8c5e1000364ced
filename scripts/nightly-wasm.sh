#!/usr/bin/env bash
# The size-optimised release wasm, built with nightly Rust when the machine has it (see build-package.sh).
#   bash scripts/nightly-wasm.sh available   exit 0 if nightly with rust-src and the wasm32 target is installed
#   bash scripts/nightly-wasm.sh install     add rust-src and the wasm32 target to an installed nightly (idempotent)
#   bash scripts/nightly-wasm.sh build       target/wasm-nightly/wasm32-unknown-unknown/release/inbox_realtime.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

has_nightly() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }
ready() {
  has_nightly &&
    rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' &&
    rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

case "${1:-}" in
  available) ready ;;
  install)
    # Only completes a nightly that is already there: this machine cannot fetch whole toolchains.
    has_nightly || { echo "nightly-wasm: no nightly toolchain; the package is built with stable" >&2; exit 0; }
    ready && exit 0
    rustup component add rust-src --toolchain nightly && rustup target add wasm32-unknown-unknown --toolchain nightly \
      || echo "nightly-wasm: could not add rust-src / wasm32 to nightly; the package is built with stable" >&2
    ;;
  build)
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
      cargo +nightly build --quiet --release --lib --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size --target-dir target/wasm-nightly
    ;;
  *) echo "usage: $0 available|install|build" >&2; exit 2 ;;
esac
