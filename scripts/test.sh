#!/usr/bin/env bash
# Every check of the project, as CI runs it: formatting, lints, docs, then unit, integration, ui
# (trybuild) and doc tests, the examples with their expected output
# (examples/tests/outputs.rs against examples/expected/), and the dashboard in a headless browser
# (tests/browser). Needs only a Rust toolchain (rustup): the servers the tests start, chromium,
# Node.js and npm are installed from Debian's packages when missing.
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

# The stream tests start their own redis-server and nats-server on free ports, the schedule
# tests their own PostgreSQL (as the user `postgres`, which the package creates) and the binlog
# tests their own MariaDB; the RabbitMQ tests use the machine's server (below). Install them
# where they are missing.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# The binlog tests start their own mariadbd with the binlog on (mariadb-install-db, mariadb-admin).
command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 || missing+=(mariadb-server mariadb-client)
# The `kafka` feature's rdkafka builds librdkafka from its C source (`./configure && make`); its
# tests need no broker (librdkafka's mock cluster runs in the test process).
command -v make >/dev/null 2>&1 || missing+=(make)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The RabbitMQ tests (feature `rabbitmq`) use the server on 127.0.0.1:5672 as guest/guest, which
# RabbitMQ allows from loopback, on queues of their own; start it when nothing answers there.
rabbitmq_answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbitmq_answers; then
    step "starting rabbitmq-server (nothing answers on 127.0.0.1:5672)"
    rabbitmq-server -detached || true  # a server still starting refuses a second one; the wait decides
    for _ in $(seq 1 120); do
        rabbitmq_answers && break
        sleep 1
    done
    if ! rabbitmq_answers; then
        echo "error: rabbitmq-server did not answer on 127.0.0.1:5672 within 120 s; see /var/log/rabbitmq" >&2
        exit 1
    fi
fi
rabbitmqctl -q await_startup

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy -p kisflow --no-default-features -- -D warnings (the core without YAML, HTTP or CLI)"
cargo clippy -p kisflow --no-default-features -- -D warnings

step "cargo clippy -p kisflow-bench --features stream --all-targets -- -D warnings (the stream benchmark)"
cargo clippy -p kisflow-bench --features stream --all-targets -- -D warnings

step "cargo clippy -p kisflow-bench --features binlog --all-targets -- -D warnings (the binlog benchmark)"
cargo clippy -p kisflow-bench --features binlog --all-targets -- -D warnings

step "cargo doc --workspace --no-deps (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "cargo test --workspace (unit, integration, ui, doc tests and the examples' output)"
cargo test --workspace

step "scripts/test_browser.sh (the dashboard in Debian's chromium, headless)"
bash scripts/test_browser.sh

step "dependency budget: what the quick start compiles (kisflow's default features)"
# 42: quanta, the time-stamp-counter clock that metrics read (issue 18: a clock read costs about
# 10 instructions, std's about 50), brings raw-cpuid, bitflags and portable-atomic with it.
budget=42
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
