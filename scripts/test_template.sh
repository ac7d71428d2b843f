#!/usr/bin/env bash
# The template crate examples/app, as a newcomer would use it: copied into a fresh directory
# outside the workspace, its `kisflow` line pointed at this checkout, then built, tested and its
# command line run. Cheap: it builds into the workspace's target directory with the workspace's
# versions (Cargo.lock) and debug settings, so only kisflow and the template itself compile anew.
set -euo pipefail
ws=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/kisflow-template-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cp -r "$ws/examples/app/." "$dir"
git_line='kisflow = { git = "https://github.com/kisflow/kisflow", features = ["cli"] }'
grep -qxF "$git_line" "$dir/Cargo.toml" || {
    echo "error: examples/app/Cargo.toml no longer has the README's line: $git_line" >&2
    exit 1
}
# The README's block is the template's: a user pasting either gets the same crate.
while IFS= read -r line; do
    grep -qxF "$line" "$ws/README.md" || {
        echo "error: README.md's dependency block lacks examples/app's line: $line" >&2
        exit 1
    }
done < <(sed -n '/^\[dependencies\]/,/^\[/{/^[a-z]/p}' "$dir/Cargo.toml")
sed -i "s|^kisflow = { git = \"https://github.com/kisflow/kisflow\"|kisflow = { path = \"$ws/kisflow\"|" "$dir/Cargo.toml"
cp "$ws/Cargo.lock" "$dir/Cargo.lock"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ws/target}"
flags=(--config 'profile.dev.debug="line-tables-only"' --config 'profile.dev.package."*".debug=false')
cd "$dir"
cargo fmt --check
cargo test "${flags[@]}" --quiet
cargo build "${flags[@]}" --quiet --bin orders
orders="$CARGO_TARGET_DIR/debug/orders"

expect() { # $1 = what, $2 = expected output, $3 = actual output
    if [ "$2" != "$3" ]; then
        printf 'error: %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
        exit 1
    fi
}
expect "orders list" "$(printf '%s\n' \
    'functions:' \
    '  print_totals (Expand): my_flows::CustomerTotal -> nothing' \
    '  totals (Calculate): my_flows::Order -> my_flows::CustomerTotal' \
    '  valid_orders (Verify): my_flows::Order -> my_flows::Order' \
    'flows:' \
    '  CustomerTotals: valid_orders -> totals' \
    '  PrintTotals: valid_orders -> totals -> print_totals')" "$("$orders" list)"
expect "orders validate conf" "conf: ok, 0 functions, 1 flow and 0 connectors checked" \
    "$("$orders" validate conf)"
expect "orders run CustomerTotals" '{"customer":7,"qty":5}' \
    "$(printf '{"customer": 7, "qty": 3}\n{"customer": 7, "qty": 2}\n' | "$orders" run CustomerTotals)"
# The YAML flow's max_qty of 5 drops the order of 9.
expect "orders run SmallTotals" '{"customer":7,"qty":3}' \
    "$(printf '{"customer": 7, "qty": 3}\n{"customer": 8, "qty": 9}\n' | "$orders" run SmallTotals --config conf)"
echo "template crate examples/app: built, tested and run from $dir"
