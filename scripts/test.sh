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

step "cargo doc --workspace --no-deps (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

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
check_example commit_kinds 'stuid: [101], avg score: [90]
stuid: [102], avg score: [76.66666666666667]
stuid: [103], avg score: [90]
stuid: [104], avg score: [76.66666666666667]
stuid: [105], avg score: [60]
stuid: [106], avg score: [81]
stuid: [107], avg score: [83]
stuid: [108], avg score: [83]
stuid: [109], avg score: [83]
stuid: [110], avg score: [83]
stuid: [110], avg score: [83]'
check_example function_params 'function: AvgStuScore (Calculate)
function Params: school = TsingHua
function Params: country = China
myTempNum = 1
function: AvgStuScore (Calculate)
function Params: school = TsingHua
function Params: country = China
myTempNum = 2
function: AvgStuScore (Calculate)
function Params: school = TsingHua
function Params: country = China
myTempNum = 3
AvgStuScore ran 3 times'
check_example flow_params_fork 'school = TsingHua
country = China
stuid: [101], avg score: [90]
fork has its own id: true
school = TsingHua
country = China
stuid: [102], avg score: [76.66666666666667]'
check_example concurrent_flows 'stuid: [101], avg score: [90]
stuid: [201], avg score: [90]
All flows completed.'
check_example actions '== data reuse: every row is valid, VerifyStu hands its input on
->Call Func VerifyStu
->Call Func AvgStuScore
->Call Func PrintStuAvgScore
stuid: [101], avg score: [90]
stuid: [102], avg score: [86.66666666666667]
== abort: 1001 is invalid, so nothing after VerifyStu runs
->Call Func VerifyStu
== force entry next: Announce runs with no rows, then with the rows emitted
->Call Func AvgStuScore
->Call Func HonourRoll
->Call Func Announce
honour roll: nobody this time
->Call Func AvgStuScore
->Call Func HonourRoll
->Call Func Announce
honour roll: [104]
== jump: CheckPass sends the run back to Curve until everyone passes
->Call Func AvgStuScore
->Call Func Curve, bonus 0
->Call Func CheckPass
->Call Func Curve, bonus 5
->Call Func CheckPass
->Call Func PrintStuAvgScore
stuid: [101], avg score: [95]
stuid: [103], avg score: [60]'
check_example connector_join '->Call Func PrintStuAvgScore, in Flow[CalStuAvgScore12]
stuid: [101], avg score: [95]
stuid: [102], avg score: [90]
->Call Func PrintStuAvgScore, in Flow[CalStuAvgScore3]
stuid: [101], avg score: [90]
stuid: [102], avg score: [83.33333333333333]
saved: ["stu_score12_avg_101", "stu_score12_avg_102"]
flow `CalStuAvgScore3`: function `LoadScoreAvg12` failed: avg_score not found for stuId: 103'
check_example typed_rows 'school = TsingHua
country = China
stuid: [101], avg score: [90]'
check_example quick_start_with_config 'stuid: [101], avg score: [90]
stuid: [102], avg score: [76.66666666666667]'
check_example load_conf '== flowName1: default params plus flow params; funcName2 saves through ConnName1
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2 myKey1:flowValue1-1 myKey2:flowValue1-2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call funcName2Handler ----
Params = map[default1:funcName2_param1 default2:funcName2_param2 myKey1:flowValue2-1 myKey2:flowValue2-2]
In FuncName = funcName2, row = data from funcName[funcName1], index = 0
===> In CaasDemoHandler1: flowName: flowName1, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 0
In FuncName = funcName2, row = data from funcName[funcName1], index = 1
===> In CaasDemoHandler1: flowName: flowName1, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 1
In FuncName = funcName2, row = data from funcName[funcName1], index = 2
===> In CaasDemoHandler1: flowName: flowName1, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 2
---> Call funcName3Handler ----
Params = map[default1:funcName3_param1 default2:funcName3_param2 myKey1:flowValue3-1 myKey2:flowValue3-2]
In FuncName = funcName3, row = data from funcName[funcName2], index = 0
In FuncName = funcName3, row = data from funcName[funcName2], index = 1
In FuncName = funcName3, row = data from funcName[funcName2], index = 2
== flowName2: abortFunc aborts, so funcName3 never runs
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call AbortFuncHandler ----
In FuncName = abortFunc, row = data from funcName[funcName1], index = 0
In FuncName = abortFunc, row = data from funcName[funcName1], index = 1
In FuncName = abortFunc, row = data from funcName[funcName1], index = 2
== flowName3: dataReuseFunc hands its input on, so funcName3 gets the rows of funcName1
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call DataReuseFuncHandler ----
In FuncName = dataReuseFunc, row = data from funcName[funcName1], index = 0
In FuncName = dataReuseFunc, row = data from funcName[funcName1], index = 1
In FuncName = dataReuseFunc, row = data from funcName[funcName1], index = 2
---> Call funcName3Handler ----
Params = map[default1:funcName3_param1 default2:funcName3_param2]
In FuncName = funcName3, row = data from funcName[funcName1], index = 0
In FuncName = funcName3, row = data from funcName[funcName1], index = 1
In FuncName = funcName3, row = data from funcName[funcName1], index = 2
== flowName4: noResultFunc emits nothing but forces funcName3 to run, with no rows
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call NoResultFuncHandler ----
In FuncName = noResultFunc, row = data from funcName[funcName1], index = 0
In FuncName = noResultFunc, row = data from funcName[funcName1], index = 1
In FuncName = noResultFunc, row = data from funcName[funcName1], index = 2
---> Call funcName3Handler ----
Params = map[default1:funcName3_param1 default2:funcName3_param2]
== flowName5: jumpFunc jumps back to funcName1 every time; a step limit ends the loop
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call funcName2Handler ----
Params = map[default1:funcName2_param1 default2:funcName2_param2]
In FuncName = funcName2, row = data from funcName[funcName1], index = 0
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 0
In FuncName = funcName2, row = data from funcName[funcName1], index = 1
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 1
In FuncName = funcName2, row = data from funcName[funcName1], index = 2
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 2
---> Call JumpFuncHandler ----
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 0
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 1
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 2
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call funcName2Handler ----
Params = map[default1:funcName2_param1 default2:funcName2_param2]
In FuncName = funcName2, row = data from funcName[funcName1], index = 0
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 0
In FuncName = funcName2, row = data from funcName[funcName1], index = 1
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 1
In FuncName = funcName2, row = data from funcName[funcName1], index = 2
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 2
---> Call JumpFuncHandler ----
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 0
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 1
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 2
---> Call funcName1Handler ----
Params = map[default1:funcName1_param1 default2:funcName1_param2]
In FuncName = funcName1, row = This is Data1 from Test
In FuncName = funcName1, row = This is Data2 from Test
In FuncName = funcName1, row = This is Data3 from Test
---> Call funcName2Handler ----
Params = map[default1:funcName2_param1 default2:funcName2_param2]
In FuncName = funcName2, row = data from funcName[funcName1], index = 0
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 0
In FuncName = funcName2, row = data from funcName[funcName1], index = 1
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 1
In FuncName = funcName2, row = data from funcName[funcName1], index = 2
===> In CaasDemoHandler1: flowName: flowName5, cName:ConnName1, fnName:funcName2, mode:Save
Params = map[args1:value1 args2:value2]
===> Call Connector CaasDemoHandler1, args from function: data from funcName[funcName1], index = 2
---> Call JumpFuncHandler ----
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 0
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 1
In FuncName = jumpFunc, row = data from funcName[funcName2], index = 2
error: flow `flowName5`: the run stopped after 9 function calls, its step limit; the jumps loop through funcName1 -> funcName2 -> jumpFunc -> funcName1; end the loop in a handler, or raise the limit with `with_step_limit` (`set_step_limit` on a `DynFlow`)
== StuAvg: a JSON row, decoded into the input type of AvgStuScore
stuid: [100], avg score: [2]'

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
