#!/usr/bin/env bash
# The peers table of docs/BENCHMARKS.md: the bench workload on kisflow, timely, DFIR and a tokio
# channel pipeline beside the hand-written steps. First instructions under callgrind, each side
# alone in its own process, less the same process making only the input (`count none`) and less
# a short run of the same side (so start-up and building the dataflow drop out); then wall time,
# every side in one process in rotating order (arguments go to the `peers` binary:
# --rounds N --batches N --runs N).
#
#   bash benches/peers.sh [--rounds 7] [--batches 300] [--runs 100000]
#   INSTRUCTIONS=0 bash benches/peers.sh    # wall time only
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kisflow-bench --features peers --bin peers
bin=${CARGO_TARGET_DIR:-target}/release/peers
sides=(hand-written kisflow timely dfir channels channels-awaited)

count() { # $1 = side or none, $2 = w1|w3, $3 = runs
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" count "$1" "$2" "$3" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_run() { # $1 = side, $2 = workload, $3 = short runs, $4 = long runs: instructions per run
    local small big
    small=$(count "$1" "$2" "$3")
    big=$(count "$1" "$2" "$4")
    echo $(((big - small) / ($4 - $3)))
}

if [[ ${INSTRUCTIONS:-1} != 0 ]]; then
    command -v valgrind >/dev/null || { echo "error: valgrind not found; apt-get install valgrind, or INSTRUCTIONS=0" >&2; exit 1; }
    echo "peers, instructions (callgrind), net of making the input"
    printf '%-34s' "workload"
    printf ' %16s' "${sides[@]}"
    echo
    # W1: 20 and 220 batches of 1000 rows; W3: 100 and 10,100 runs of one row.
    for w in "w1 20 220 1000 W1 typed, batch 1000: per row" "w3 100 10100 1 W3 one row per run: per run"; do
        read -r workload short long rows label <<<"$w"
        input=$(per_run none "$workload" "$short" "$long")
        printf '%-34s' "$label"
        for side in "${sides[@]}"; do
            printf ' %16s' "$(awk -v s="$(per_run "$side" "$workload" "$short" "$long")" -v i="$input" -v r="$rows" \
                'BEGIN { printf(r > 1 ? "%.1f" : "%d", (s - i) / r) }')"
        done
        echo
    done
    echo
fi
"$bin" "$@"
