#!/usr/bin/env bash
# Where the wasm's bytes go: builds the release wasm, runs wasm-bindgen keeping function names, and prints twiggy's
# view grouped by crate (and our modules) plus the largest single items. Names are lost after wasm-opt, so these are
# pre-wasm-opt bytes (wasm-opt -Os removes ~10 % more). Needs twiggy (`cargo install twiggy`).
#   bash scripts/wasm-size.sh [TOP]     (make size)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "wasm-size: twiggy not found: cargo install twiggy --locked" >&2; exit 1; }
OUT=target/wasm-size
if bash scripts/nightly-wasm.sh available; then   # the build the package ships (see build-package.sh)
  bash scripts/nightly-wasm.sh build
  RAW=target/wasm-nightly/wasm32-unknown-unknown/release/inbox_realtime.wasm
else
  cargo build --quiet --release --lib --target wasm32-unknown-unknown
  RAW=target/wasm32-unknown-unknown/release/inbox_realtime.wasm
fi
rm -rf "$OUT" && mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" "$RAW"
twiggy top -n 1000000 -f csv "$OUT/inbox_realtime_bg.wasm" > "$OUT/top.csv"
node - "$OUT/top.csv" "${1:-25}" <<'JS'
const fs = require('fs');
const [file, top] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
const rows = lines.map((l) => {
  const m = /^"?(.*?)"?,(\d+),/.exec(l);
  return { name: m[1].replace(/""/g, '"'), bytes: +m[2] };
}).filter((r) => !/subsection|custom section/.test(r.name));
const group = (name) => {
  const m = /^<?&?(?:mut )?(?:dyn )?([a-z_0-9]+)(?:\[[0-9a-f]+\])?(?:::([a-z_0-9]+))?/.exec(name);
  if (!m) return name.startsWith('data') ? 'data segments (string constants, tables)' : '(other)';
  if (m[1] === 'inbox_realtime') return `inbox_realtime::${m[2] ?? ''}`;
  if (m[1] === 'core' || m[1] === 'alloc') return `${m[1]}::${m[2] ?? ''}`;
  return m[1];
};
const by = new Map();
let total = 0;
for (const r of rows) {
  total += r.bytes;
  by.set(group(r.name), (by.get(group(r.name)) ?? 0) + r.bytes);
}
const pad = (s, n) => String(s).padStart(n);
console.log(`code + data before wasm-opt: ${total} B`);
console.log('\nby crate / module:');
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, +top)) console.log(`${pad(v, 8)}  ${pad((100 * v / total).toFixed(1), 5)} %  ${k}`);
console.log('\nlargest items:');
for (const r of rows.sort((a, b) => b.bytes - a.bytes).slice(0, +top)) console.log(`${pad(r.bytes, 8)}  ${r.name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 110)}`);
JS
