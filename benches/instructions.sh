#!/usr/bin/env bash
# Instructions per run under callgrind, minus an empty start-up so the figure is the per-run
# cost: W3 (one row per run) for kisflow with and without metrics and the hand-written baseline,
# and W1 (batches of 1000) with and without metrics, whose difference is the cost of recording
# metrics. The metrics clock's calibration (`kisflow::metrics::clock::calibrated`) is left out:
# it spins for a time, not a number of instructions, and would make the counts vary.
#
#   bash benches/instructions.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
command -v valgrind >/dev/null || { echo "error: valgrind not found; apt-get install valgrind" >&2; exit 1; }
cargo build --release -q -p kisflow-bench --example w3_instructions
bin=${CARGO_TARGET_DIR:-target}/release/examples/w3_instructions
count() { # $1 = kisflow|metrics|baseline, $2 = runs, $3 = rows per run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='kisflow::metrics::clock::calibrated' --collect-atstart=yes "$bin" "$1" "$2" "$3" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_run() { # $1 = which, $2 = runs, $3 = rows per run
    local small big
    small=$(count "$1" 100 "$3")
    big=$(count "$1" "$2" "$3")
    echo $(((big - small) / ($2 - 100)))
}
w3=$(per_run kisflow "$runs" 1)
w3m=$(per_run metrics "$runs" 1)
echo "W3 kisflow: $w3 instructions per run"
echo "W3 baseline: $(per_run baseline "$runs" 1) instructions per run"
printf 'W3 with metrics: %d instructions per run (%d.%02dx W3)\n' "$w3m" $((w3m * 100 / w3 / 100)) $((w3m * 100 / w3 % 100))
w1=$(per_run kisflow 1100 1000)
w1m=$(per_run metrics 1100 1000)
echo "W1 kisflow: $w1 instructions per run of 1000 rows"
echo "W1 with metrics: $w1m instructions per run of 1000 rows (+$(((w1m - w1) * 1000 / w1 / 10)).$(((w1m - w1) * 1000 / w1 % 10))%)"
for which in json json-baseline; do
    echo "W2 $which: $(per_run "$which" 1100 1000) instructions per run of 1000 rows"
done
