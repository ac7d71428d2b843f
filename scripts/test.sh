#!/usr/bin/env bash
# Every check of the project, as CI runs it: formatting, lints, unit, integration, ui (trybuild) and
# doc tests, then the examples with their expected output. Needs only a Rust toolchain (rustup).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install Rust with rustup (https://rustup.rs) and run this again" >&2
    exit 1
fi
if command -v rustup >/dev/null 2>&1; then
    # fmt and clippy are rustup components; a minimal profile lacks them.
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test --workspace (unit, integration, ui and doc tests)"
cargo test --workspace

step "examples"
# Each example with the exact output it must print.
check_example() {
    local name=$1 expected=$2 actual
    actual=$(cargo run --quiet -p kisflow-examples --example "$name")
    if [ "$actual" != "$expected" ]; then
        printf 'example %s printed:\n%s\nexpected:\n%s\n' "$name" "$actual" "$expected" >&2
        exit 1
    fi
    echo "example $name: ok"
}
check_example quick_start "stuid: [101], avg score: [90]
stuid: [102], avg score: [76.66666666666667]"

# The metrics example serves on a free port, so its first line varies; the rest must match.
metrics_out=$(cargo run --quiet -p kisflow-examples --example metrics -- --seconds 1 --tick-ms 100 --serve 127.0.0.1:0 | tail -n +2)
metrics_expected='stuid: [995], avg score: [90]
stuid: [996], avg score: [90]
stuid: [997], avg score: [90]
stuid: [998], avg score: [90]
stuid: [999], avg score: [90]
flow_schedule_cnts_total{flow_name="CalStuAvgScore"} 10
func_schedule_cnts_total{func_name="AvgStuScore",func_mode="Calculate"} 5
func_schedule_cnts_total{func_name="PrintStuAvgScore",func_mode="Expand"} 5
func_schedule_cnts_total{func_name="VerifyStu",func_mode="Verify"} 10
kisflow_data_total 10'
if [ "$metrics_out" != "$metrics_expected" ]; then
    printf 'example metrics printed:\n%s\nexpected:\n%s\n' "$metrics_out" "$metrics_expected" >&2
    exit 1
fi
echo "example metrics: ok"

echo
echo "all checks passed"
