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

echo
echo "all checks passed"
