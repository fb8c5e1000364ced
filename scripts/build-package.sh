#!/usr/bin/env bash
# Builds the npm package `inbox-realtime` into pkg/ (git-ignored):
#   pkg/wasm/   the release wasm through wasm-bindgen --target web (glue + .wasm + .d.ts) and wasm-opt -Os
#   pkg/dist/   js/src/*.ts and js/src/generated/*.ts (types written from the Rust side) compiled by tsc (ESM + .d.ts)
#   pkg/package.json from js/package.json, version from Cargo.toml; README.md
# WASM_TOOLCHAIN=stable forces the stable build. Idempotent; skips the wasm build / tsc when their inputs are older than their outputs (FORCE=1 rebuilds everything).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

[ -x node_modules/.bin/tsc ] || { echo "build-package: run 'npm install' first (needs typescript, binaryen)" >&2; exit 1; }
command -v wasm-bindgen >/dev/null || { echo "build-package: wasm-bindgen not found (see scripts/setup.sh)" >&2; exit 1; }

# newer_than OUT INPUT...: true if OUT is missing or any INPUT file is newer.
newer_than() {
  local out=$1; shift
  [ -e "$out" ] || return 0
  [ "${FORCE:-0}" = 1 ] && return 0
  [ -n "$(find "$@" -type f -newer "$out" -print -quit 2>/dev/null)" ]
}

# Outputs get the time the step STARTED, so an edit made while it runs still triggers the next build.
STAMP=$(mktemp)
trap 'rm -f "$STAMP"' EXIT

WASM=pkg/wasm/inbox_realtime_bg.wasm
if newer_than "$WASM" src Cargo.toml Cargo.lock; then
  touch "$STAMP"
  # Nightly, when the machine has it with rust-src: std rebuilt for size (optimize_for_size: small sort and
  # string code) and panics as a bare trap (immediate-abort: no panic message formatting, no location strings).
  # Measured on the .wasm after wasm-opt, gzip -9: 112 058 B stable -> 99 165 B. Stable is the fallback; the
  # module behaves the same except that a panic (a bug) shows as `RuntimeError: unreachable` without its message.
  if [ "${WASM_TOOLCHAIN:-}" != stable ] && bash scripts/nightly-wasm.sh available; then
    echo "build-package: cargo +nightly build --release (build-std, immediate-abort)"
    bash scripts/nightly-wasm.sh build
    RAW=target/wasm-nightly/wasm32-unknown-unknown/release/inbox_realtime.wasm
  else
    echo "build-package: cargo build --release (stable; nightly with rust-src not available)"
    cargo build --quiet --release --lib --target wasm32-unknown-unknown
    RAW=target/wasm32-unknown-unknown/release/inbox_realtime.wasm
  fi
  rm -rf pkg/wasm
  wasm-bindgen --target web --out-dir pkg/wasm --out-name inbox_realtime "$RAW"
  # wasm-opt from the npm `binaryen` package (node_modules/.bin): Debian's is too old and breaks the module.
  # -Os measured smallest after gzip (-Oz, -Oz --converge and -O3 were 0.04–1.3 % larger).
  wasm-opt -Os "$WASM" -o "$WASM.opt" && mv "$WASM.opt" "$WASM"
  touch -r "$STAMP" "$WASM"
else
  echo "build-package: wasm up to date"
fi

if newer_than pkg/dist/index.js js/src js/tsconfig.json pkg/wasm/inbox_realtime.d.ts; then
  echo "build-package: tsc -p js/tsconfig.json"
  touch "$STAMP"
  rm -rf pkg/dist
  tsc -p js/tsconfig.json
  touch -r "$STAMP" pkg/dist/index.js
else
  echo "build-package: dist up to date"
fi

VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)
node js/scripts/write-package-json.mjs js/package.json pkg/package.json "$VERSION"
if [ -f README.md ]; then cp README.md pkg/README.md; fi

# Size of what a browser downloads: wasm + glue + our JS, each gzip -9.
gz() { gzip -9 -c "$1" | wc -c; }
total=0
printf '%-40s %9s %9s\n' file raw gzip-9
for f in pkg/wasm/inbox_realtime_bg.wasm pkg/wasm/inbox_realtime.js $(find pkg/wasm/snippets -name '*.js' 2>/dev/null) pkg/dist/index.js pkg/dist/debug.js pkg/dist/react.js; do
  [ -f "$f" ] || continue
  raw=$(wc -c <"$f"); z=$(gz "$f"); total=$((total + z))
  printf '%-40s %9d %9d\n' "$f" "$raw" "$z"
done
printf '%-40s %9s %9d\n' "total (gzip -9)" "" "$total"
