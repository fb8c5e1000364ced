#!/usr/bin/env bash
# Runs each cargo-fuzz target for FUZZ_SECONDS (default 30). Longer: FUZZ_SECONDS=600 bash scripts/fuzz.sh
# or FUZZ_RUNS=10000000 for a fixed number of executions per target.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
limit="-max_total_time=${FUZZ_SECONDS:-30}"
[ -n "${FUZZ_RUNS:-}" ] && limit="-runs=$FUZZ_RUNS"
for target in decode_packets store_ingest; do
  echo "fuzzing $target ($limit)"
  log="target/fuzz-$target.log"
  mkdir -p target
  if ! cargo +nightly fuzz run "$target" -- "$limit" -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"; echo "fuzz target $target failed"; exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units)' "$log"
done
