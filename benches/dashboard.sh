#!/usr/bin/env bash
# The dashboard's budget (docs/BENCHMARKS.md): what feature `dashboard` adds to the release
# binary of kisflow-demo, and how long its pages take with 10,000 runs in the schedule history,
# against a throwaway PostgreSQL started here on a free port and stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"

echo "==> release size of kisflow-demo, with and without feature dashboard"
cargo build --release -q -p kisflow-examples --bin kisflow-demo
with=$(stat -c %s "$target/release/kisflow-demo")
cargo build --release -q -p kisflow-examples --bin kisflow-demo --no-default-features
without=$(stat -c %s "$target/release/kisflow-demo")
echo "with: $with bytes, without: $without bytes, the dashboard adds $((with - without)) bytes ($(awk "BEGIN {printf \"%.2f\", ($with - $without) / 1048576}") MiB)"

echo "==> pages with 10,000 runs in the history"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/kisflow-dashboard-bench.XXXXXX)
chown postgres:postgres "$dir"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# setpriv itself, not the function, so that $! is the server's PID (setpriv execs it).
setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$dir/data" -p "$port" \
    -h 127.0.0.1 -k "$dir" -c fsync=off -c synchronous_commit=off >"$dir/postgres.log" 2>&1 &
pg=$!
trap 'kill -INT $pg; wait $pg 2>/dev/null; rm -rf "$dir"' EXIT
until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do sleep 0.1; done
cargo run --release -q -p kisflow-bench --features dashboard --bin dashboard-bench -- \
    --postgres "host=127.0.0.1 port=$port user=postgres dbname=postgres"
