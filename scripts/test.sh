#!/usr/bin/env bash
# Every check of the project, as CI runs it: formatting, lints, docs, then unit, integration, ui
# (trybuild) and doc tests, and the examples with their expected output
# (examples/tests/outputs.rs against examples/expected/). Needs only a Rust toolchain (rustup);
# the servers the tests start are installed from Debian's packages when missing.
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

# The stream tests start their own redis-server and nats-server on free ports, and the schedule
# tests their own PostgreSQL (as the user `postgres`, which the package creates); install them
# where they are missing.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# The `kafka` feature's rdkafka builds librdkafka from its C source (`./configure && make`); its
# tests need no broker (librdkafka's mock cluster runs in the test process).
command -v make >/dev/null 2>&1 || missing+=(make)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy -p kisflow --no-default-features -- -D warnings (the core without YAML, HTTP or CLI)"
cargo clippy -p kisflow --no-default-features -- -D warnings

step "cargo clippy -p kisflow-bench --features stream --all-targets -- -D warnings (the stream benchmark)"
cargo clippy -p kisflow-bench --features stream --all-targets -- -D warnings

step "cargo doc --workspace --no-deps (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "cargo test --workspace (unit, integration, ui, doc tests and the examples' output)"
cargo test --workspace

step "dependency budget: what the quick start compiles (kisflow's default features)"
budget=54
crates=$(cargo tree -p kisflow -e normal,build --prefix none | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u | wc -l)
if [ "$crates" -gt "$budget" ]; then
    echo "error: kisflow with its default features compiles $crates crates, over the budget of $budget; put the new dependency behind a feature, or raise the budget in scripts/test.sh saying why" >&2
    exit 1
fi
echo "$crates crates (budget $budget)"

step "scripts/test_template.sh (the template crate examples/app, from a fresh copy)"
bash scripts/test_template.sh

echo
echo "all checks passed"
