#!/usr/bin/env bash
# The dashboard's browser tests (tests/browser): Debian's chromium, driven headless by
# playwright-core under Node's own test runner, against `kisflow-demo serve --ui` reading a
# redis-server and a PostgreSQL the tests start on free ports. No browser is downloaded: what is
# missing is installed from Debian's packages, and playwright-core from the lock file.
# SCREENSHOTS=1 also writes a screenshot of each page into docs/dashboard/.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
    echo "==> installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "==> building kisflow-demo"
cargo build -p kisflow-examples --bin kisflow-demo
target="${CARGO_TARGET_DIR:-$PWD/target}"
export KISFLOW_DEMO="$target/debug/kisflow-demo"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"

cd tests/browser
# Playwright must not fetch a browser of its own: the tests use Debian's.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
echo "==> browser tests"
node --test --test-concurrency=1 --test-reporter=spec dashboard.test.mjs
