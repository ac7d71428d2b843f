#!/usr/bin/env bash
# The stream sources' client-side work per message, under callgrind: instructions a message for
# kisflow's source + `Runner` and for the hand-written floor with the same client, and kisflow's
# overhead (their difference). The brokers are processes of their own (stream-bench starts
# redis-server and nats-server; RabbitMQ is the machine's), so only the client is counted, and
# the figure does not move with the machine's load as wall time does.
#
# Each side runs one round of `--one-side` alone with a small and a big count of messages, as
# does the fill alone (`--one-side fill`); a side's cost a message is
#   ((side_big - fill_big) - (side_small - fill_small)) / (big - small),
# so start-up, connecting and making the stream cancel out, and so does filling it.
#
#   bash benches/stream_instructions.sh [big] [small] [brokers]
#   e.g. bash benches/stream_instructions.sh 20000 2000 "redis nats rabbitmq"
set -euo pipefail
cd "$(dirname "$0")/.."
big=${1:-20000}
small=${2:-2000}
brokers=${3:-redis nats rabbitmq}
command -v valgrind >/dev/null || { echo "error: valgrind not found; apt-get install valgrind" >&2; exit 1; }
cargo build --release -q -p kisflow-bench --features stream --bin stream-bench
bin=${CARGO_TARGET_DIR:-target}/release/stream-bench
# Where each run's callgrind profile goes, for `callgrind_annotate` (kept only when set).
out=${CALLGRIND_OUT:-/dev/null}
count() { # $1 = broker, $2 = kisflow|floor|fill, $3 = messages
    local file=/dev/null
    [ "$out" != /dev/null ] && file="$out/cg.$1.$2.$3"
    # Valgrind runs the client about 50x slower: a 5 s wait keeps a batch from closing part-full
    # only because the client was slow to ask.
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$bin" --only "$1" --one-side "$2" --messages "$3" --wait-ms 5000 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
[ "$out" != /dev/null ] && mkdir -p "$out"
printf '| source | kisflow | floor | kisflow - floor | kisflow / floor |\n|---|---:|---:|---:|---:|\n'
for broker in $brokers; do
    declare -A n=()
    for side in fill kisflow floor; do
        for m in "$small" "$big"; do
            n[$side.$m]=$(count "$broker" "$side" "$m")
        done
    done
    per() { echo $(((n[$1.$big] - n[fill.$big] - n[$1.$small] + n[fill.$small]) / (big - small))); }
    k=$(per kisflow)
    f=$(per floor)
    printf '| %s | %d | %d | %d | %d.%02d |\n' "$broker" "$k" "$f" $((k - f)) $((k * 100 / f / 100)) $((k * 100 / f % 100))
done
