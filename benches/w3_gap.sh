#!/usr/bin/env bash
# W3's wall-time figure under each way of setting up the measurement (docs/BENCHMARKS.md, "W3 in
# wall time: what a program pays"). Builds `w3_wall` with the release profile and again with
# codegen-units = 1, runs every setup in turn, `repeats` times, and prints the medians of kisflow's
# ns per run and its excess over the hand-written steps; then, for the same setups, the
# instructions of one kisflow run plus one hand-written run under callgrind, which the machine's
# load cannot move.
#
#   bash benches/w3_gap.sh [repeats]     # default 5
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p kisflow-bench --example w3_wall
CARGO_TARGET_DIR=$target/cgu1 cargo build --release -q --config profile.release.codegen-units=1 \
    -p kisflow-bench --example w3_wall
release=$target/release/examples/w3_wall
cgu1=$target/cgu1/release/examples/w3_wall
setups=(
    "$release|release profile, all runs in one task (the suite)|"
    "$cgu1|codegen-units = 1|"
    "$release|rows made fresh, not read from a Vec|--rows fresh"
    "$release|kisflow and hand-written interleaved per run|--order interleaved"
    "$release|block_on per run|--block-on per-run"
    "$release|block_on per run, runtime with enable_all|--block-on per-run --drivers all"
    "$cgu1|codegen-units = 1, block_on per run|--block-on per-run"
)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A kis over
for ((r = 0; r < repeats; r++)); do
    for i in "${!setups[@]}"; do
        IFS='|' read -r bin _ flags <<<"${setups[$i]}"
        # shellcheck disable=SC2086 # the flags are words
        line=$("$bin" $flags)
        kis[$i]+="$(sed -n 's/^kisflow \([0-9]*\) ns.*/\1/p' <<<"$line") "
        over[$i]+="$(sed -n 's/.*kisflow +\([0-9-]*\) ns.*/\1/p' <<<"$line") "
    done
done
echo "W3 wall time, $repeats runs of each setup in turn (7 rounds of 200,000 runs each), medians; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %12s %14s %14s\n' setup "kisflow ns" "over hand ns" "instructions"
count() { # instructions of `w3_wall` with $2.. over $1 runs, one round
    local runs=$1 bin=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" --runs "$runs" --rounds 1 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for i in "${!setups[@]}"; do
    IFS='|' read -r bin name flags <<<"${setups[$i]}"
    instructions=-
    if command -v valgrind >/dev/null; then
        # shellcheck disable=SC2086
        instructions=$((($(count 21000 "$bin" $flags) - $(count 1000 "$bin" $flags)) / 20000))
    fi
    printf '%-58s %12s %14s %14s\n' "$name" \
        "$(tr ' ' '\n' <<<"${kis[$i]}" | grep . | median)" \
        "+$(tr ' ' '\n' <<<"${over[$i]}" | grep . | median)" "$instructions"
done
echo "instructions: one kisflow run plus one hand-written run (about 370 of them), interleaved adds"
echo "two clock reads per run"
