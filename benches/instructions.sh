#!/usr/bin/env bash
# Instructions per W3 run (one row per run) under callgrind: kisflow against the hand-written
# baseline, both minus an empty start-up, so the figure is the per-run cost and not noise.
#
#   bash benches/instructions.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
command -v valgrind >/dev/null || { echo "error: valgrind not found; apt-get install valgrind" >&2; exit 1; }
cargo build --release -q -p kisflow-bench --example w3_instructions
bin=${CARGO_TARGET_DIR:-target}/release/examples/w3_instructions
count() { # $1 = kisflow|baseline, $2 = runs
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for which in kisflow baseline; do
    small=$(count "$which" 1000)
    big=$(count "$which" "$runs")
    echo "$which: $(( (big - small) / (runs - 1000) )) instructions per run"
done
