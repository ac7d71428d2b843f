#!/usr/bin/env bash
# Compile-time cost of the macros: builds a generated crate with 200 #[kis_function]s and 50 flow!s
# and the same 200 functions and 50 hand-chained pipelines without the macros, then prints the
# median of three builds of each crate (dependencies are built beforehand and not counted), twice:
# full builds of the crate (CARGO_INCREMENTAL=0, what a first build or CI pays) and rebuilds after
# a touch with the incremental cache (what an edit-compile loop pays).
#
#   bash benches/compile_time.sh [debug|release]
#   OPT_PROC_MACROS=1 bash benches/compile_time.sh debug   # proc macros built optimised, in both crates
#   INSTRUCTIONS=1 bash benches/compile_time.sh debug      # also the instructions rustc executes for
#                                                          # each full build, under callgrind: the
#                                                          # same figure whatever the machine's load;
#                                                          # for `cargo check` (the front end
#                                                          # alone: expansion, type checking, no code);
#                                                          # and for the registration floor: the plain
#                                                          # crate with each function registered by
#                                                          # name through inventory, by hand
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-debug}
root=$PWD
work=$root/target/compile-time
export CARGO_TARGET_DIR=$work/target
mkdir -p "$work"

generate() { # $1 = macros | plain | floor
    local kind=$1 dir=$work/$1
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "gen-$kind"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
kisflow = { path = "$root/kisflow" }
TOML
    [ "$kind" = floor ] && echo 'inventory = "0.3.25"' >>"$dir/Cargo.toml"
    if [ "${OPT_PROC_MACROS:-0}" = 1 ]; then
        # What the README recommends: proc macros (and build scripts) built optimised.
        printf '\n[profile.dev.build-override]\nopt-level = 3\n' >>"$dir/Cargo.toml"
    fi
    {
        echo '#![allow(dead_code, unused_imports)]'
        echo 'use kisflow::prelude::*;'
        if [ "$kind" = floor ]; then
            # The registration floor: each function registered by name with inventory, by hand,
            # as an entry of its name, its pointer and one erased caller per pair of row types.
            cat <<'RUST'
pub struct Entry {
    pub name: &'static str,
    pub plain: &'static (dyn std::any::Any + Send + Sync),
    pub call: fn(&'static (dyn std::any::Any + Send + Sync), Box<dyn std::any::Any>) -> Option<Box<dyn std::any::Any>>,
}
inventory::collect!(Entry);
pub fn call<In: 'static, Out: 'static>(
    plain: &'static (dyn std::any::Any + Send + Sync),
    rows: Box<dyn std::any::Any>,
) -> Option<Box<dyn std::any::Any>> {
    let f = plain.downcast_ref::<fn(Vec<In>) -> Vec<Out>>()?;
    let rows = rows.downcast::<Vec<In>>().ok()?;
    Some(Box::new(f(*rows)))
}
RUST
        fi
        for r in $(seq 0 9); do
            echo "#[derive(Debug, Clone)] pub struct R$r { pub v: i64 }"
        done
        for i in $(seq 0 199); do
            local a=$((i % 10)) b=$(((i + 1) % 10))
            [ "$kind" = macros ] && echo "#[kis_function(mode = \"Calculate\")]"
            echo "pub fn f$i(rows: Vec<R$a>) -> Vec<R$b> { rows.into_iter().map(|r| R$b { v: r.v + $i }).collect() }"
            [ "$kind" = floor ] &&
                echo "inventory::submit!(Entry { name: \"f$i\", plain: &(f$i as fn(Vec<R$a>) -> Vec<R$b>), call: call::<R$a, R$b> });"
        done
        for j in $(seq 0 49); do
            local a=$((4 * j)) b=$((4 * j + 1)) c=$((4 * j + 2)) d=$((4 * j + 3))
            if [ "$kind" = macros ]; then
                echo "flow!(pub Flow$j: f$a -> f$b -> f$c -> f$d);"
            else
                echo "pub async fn flow$j(rows: Vec<R$((a % 10))>) -> Vec<R$(((d + 1) % 10))> {"
                echo "    let rows = f$a(rows); if rows.is_empty() { return Vec::new(); }"
                echo "    let rows = f$b(rows); if rows.is_empty() { return Vec::new(); }"
                echo "    let rows = f$c(rows); if rows.is_empty() { return Vec::new(); }"
                echo "    f$d(rows)"
                echo "}"
            fi
        done
    } >"$dir/src/lib.rs"
}

flag=""
[ "$profile" = release ] && flag="--release"
for kind in plain macros floor; do
    generate "$kind"
done

median_build() { # $1 = plain | macros, $2 = the CARGO_INCREMENTAL setting
    local kind=$1 times=()
    export CARGO_INCREMENTAL=$2
    cargo build --quiet $flag --manifest-path "$work/$kind/Cargo.toml" # dependencies, not timed
    for _ in 1 2 3; do
        touch "$work/$kind/src/lib.rs"
        local start end
        start=$(date +%s.%N)
        cargo build --quiet $flag --manifest-path "$work/$kind/Cargo.toml"
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

report() { # $1 = title, $2 = the CARGO_INCREMENTAL setting
    local plain macros
    plain=$(median_build plain "$2")
    macros=$(median_build macros "$2")
    echo "$1"
    echo "  200 functions + 50 pipelines, plain Rust:     ${plain} s"
    echo "  200 #[kis_function] + 50 flow!, with kisflow: ${macros} s"
    echo "  slower by: $(echo "scale=1; ($macros - $plain) * 100 / $plain" | bc) %"
}

instructions() { # $1 = plain | macros, $2 = build | check: millions of instructions of rustc's full build
    local kind=$1 cmd
    export CARGO_INCREMENTAL=0
    touch "$work/$kind/src/lib.rs"
    cmd=$(cargo "${2:-build}" -v $flag --manifest-path "$work/$kind/Cargo.toml" 2>&1 |
        sed -n "s/^ *Running \`\(.*rustc --crate-name gen_$kind .*\)\`$/\1/p")
    (cd "$work/$kind" && eval "valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | awk '{printf "%.0f", $1 / 1e6}')
}

echo "profile: $profile${OPT_PROC_MACROS:+ (proc macros optimised)}"
report "full build of the crate (CARGO_INCREMENTAL=0)" 0
report "rebuild after a touch (incremental)" 1
if [ "${INSTRUCTIONS:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { echo "error: valgrind not found; apt-get install valgrind" >&2; exit 1; }
    plain=$(instructions plain)
    macros=$(instructions macros)
    echo "instructions of rustc's full build (callgrind, millions)"
    echo "  plain Rust: $plain, with kisflow: $macros, more by: $(((macros - plain) * 100 / plain)) %"
    plain_check=$(instructions plain check)
    macros_check=$(instructions macros check)
    echo "  of which cargo check's (the front end, no code generated): plain Rust: $plain_check, with kisflow: $macros_check"
    echo "  code generation (the rest): plain Rust: $((plain - plain_check)), with kisflow: $((macros - macros_check))"
    cargo build --quiet $flag --manifest-path "$work/floor/Cargo.toml" # dependencies, not counted
    floor=$(instructions floor)
    echo "  registration floor (plain Rust, each function registered by name with inventory by hand): $floor, more by: $(((floor - plain) * 100 / plain)) %"
fi
