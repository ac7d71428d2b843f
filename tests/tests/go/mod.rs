//! The fixtures of Go KisFlow's `test/` directory, ported: the handlers of `test/faas`, the
//! connector of `test/caas` and the flows of `test/load_conf`. Handlers write what Go's print into
//! their flow instance's metadata (`log`), so each test reads exactly what its own instance did.

#![allow(dead_code)] // each test file uses its own part of the fixtures

use std::collections::BTreeMap;

use kisflow::prelude::*;
use kisflow::{ConnConfig, Connector, MemoryKv};
use serde::Deserialize;

/// Appends one line to the flow instance's log.
pub(crate) fn log(ctx: &FlowCtx, line: impl Into<String>) {
    let line = line.into();
    ctx.flow_metadata()
        .modify("log", |lines: &mut Vec<String>| lines.push(line))
        .expect("the log is always a Vec<String>");
}

/// What the flow instance logged so far.
pub(crate) fn logged<S: kisflow::FlowSpec>(flow: &Flow<S>) -> Vec<String> {
    log_of(flow.metadata())
}

/// What the handlers logged into this flow metadata, for flows of any kind.
pub(crate) fn log_of(metadata: &kisflow::Metadata) -> Vec<String> {
    metadata
        .get::<Vec<String>>("log")
        .expect("the log is always a Vec<String>")
        .unwrap_or_default()
}

/// What `FlowFork1` logs for one row, `This is Data1 from Test` (Go's scenario 16).
pub(crate) const FORK1_ONE_ROW: [&str; 6] = [
    "---> Call funcName1Handler ----",
    "Params = map[default1:funcName1_param1 default2:funcName1_param2 myKey1:flowValue1-1]",
    "In FuncName = funcName1, row = This is Data1 from Test",
    "---> Call funcName3Handler ----",
    "Params = map[default1:funcName3_param1 default2:funcName3_param2 myKey1:flowValue3-1]",
    "In FuncName = funcName3, row = data from funcName[funcName1], index = 0",
];

/// Params printed as Go prints a `map[string]string`: `map[k1:v1 k2:v2]`, sorted by key.
pub(crate) fn go_map<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let sorted: BTreeMap<&str, &str> = params.collect();
    let pairs: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("map[{}]", pairs.join(" "))
}

/// Go's `FuncDemo1Handler` body: the header, the params, each row, and one output row per input.
fn demo(ctx: &FlowCtx, header: &str, with_params: bool, rows: &[String]) -> Vec<String> {
    log(ctx, format!("---> Call {header} ----"));
    if with_params {
        log(ctx, format!("Params = {}", go_map(ctx.params())));
    }
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            log(
                ctx,
                format!("In FuncName = {}, row = {row}", ctx.function_name()),
            );
            format!(
                "data from funcName[{}], index = {index}",
                ctx.function_name()
            )
        })
        .collect()
}

#[kis_function(
    mode = "Verify",
    name = "funcName1",
    params(default1 = "funcName1_param1", default2 = "funcName1_param2")
)]
pub(crate) fn func_name1(ctx: &FlowCtx, rows: Vec<String>) -> Vec<String> {
    demo(ctx, "funcName1Handler", true, &rows)
}

/// Go's `FuncDemo2Handler` with its connector call: `CaasDemoHanler1`'s lines, and the row
/// saved into the connector's store.
#[kis_function(
    mode = "Save",
    name = "funcName2",
    conn = "ConnName1",
    params(default1 = "funcName2_param1", default2 = "funcName2_param2")
)]
pub(crate) fn func_name2(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<Vec<String>> {
    log(ctx, "---> Call funcName2Handler ----");
    log(ctx, format!("Params = {}", go_map(ctx.params())));
    let conn = ctx.connector()?;
    let store = conn.client::<MemoryKv>()?;
    let mut out = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        log(ctx, format!("In FuncName = funcName2, row = {row}"));
        log(
            ctx,
            format!(
                "===> In CaasDemoHandler1: flowName: {}, cName:{}, fnName:{}, mode:{}",
                ctx.flow_name(),
                conn.name(),
                ctx.function_name(),
                ctx.function_mode()
            ),
        );
        let conn_params = conn.config().params.iter();
        log(
            ctx,
            format!(
                "Params = {}",
                go_map(conn_params.map(|(k, v)| (k.as_str(), v.as_str())))
            ),
        );
        log(
            ctx,
            format!("===> Call Connector CaasDemoHandler1, args from function: {row}"),
        );
        store.set(format!("{}{index}", conn.config().key), row.clone());
        out.push(format!("data from funcName[funcName2], index = {index}"));
    }
    Ok(out)
}

#[kis_function(
    mode = "Calculate",
    name = "funcName3",
    params(default1 = "funcName3_param1", default2 = "funcName3_param2")
)]
pub(crate) fn func_name3(ctx: &FlowCtx, rows: Vec<String>) -> Vec<String> {
    demo(ctx, "funcName3Handler", true, &rows);
    Vec::new() // funcName3 commits nothing
}

#[kis_function(mode = "Expand", name = "funcName4")]
pub(crate) fn func_name4(ctx: &FlowCtx, rows: Vec<String>) -> Vec<String> {
    demo(ctx, "FuncDemo4Handler", false, &rows)
}

#[kis_function(mode = "Calculate", name = "abortFunc")]
pub(crate) fn abort_func(ctx: &FlowCtx, rows: Vec<String>) -> Vec<String> {
    demo(ctx, "AbortFuncHandler", false, &rows);
    ctx.abort();
    Vec::new()
}

#[kis_function(mode = "Calculate", name = "dataReuseFunc", actions(data_reuse))]
pub(crate) fn data_reuse_func(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<Vec<String>> {
    let own = demo(ctx, "DataReuseFuncHandler", false, &rows);
    ctx.data_reuse()?;
    Ok(own)
}

#[kis_function(mode = "Calculate", name = "noResultFunc")]
pub(crate) fn no_result_func(ctx: &FlowCtx, rows: Vec<String>) -> Vec<String> {
    demo(ctx, "NoResultFuncHandler", false, &rows);
    ctx.force_entry_next();
    Vec::new()
}

#[kis_function(mode = "Calculate", name = "jumpFunc", actions(jump))]
pub(crate) fn jump_func(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<Vec<String>> {
    demo(ctx, "JumpFuncHandler", false, &rows);
    ctx.jump_func("funcName1")?;
    Ok(Vec::new())
}

flow!(
    /// `flowName1` of `test/load_conf`: flow params for every function.
    pub(crate) FlowName1:
        func_name1(myKey1 = "flowValue1-1", myKey2 = "flowValue1-2")
        -> func_name2(myKey1 = "flowValue2-1", myKey2 = "flowValue2-2")
        -> func_name3(myKey1 = "flowValue3-1", myKey2 = "flowValue3-2")
);
flow!(pub(crate) FlowName2: func_name1 -> abort_func -> func_name3);
flow!(pub(crate) FlowName3: func_name1 -> data_reuse_func -> func_name3);
flow!(pub(crate) FlowName4: func_name1 -> no_result_func -> func_name3);
flow!(pub(crate) FlowName5: func_name1 -> func_name2 -> jump_func);
flow!(pub(crate) FlowFork1: func_name1(myKey1 = "flowValue1-1") -> func_name3(myKey1 = "flowValue3-1"));
flow!(pub(crate) FlowData: func_name1 -> func_name4);

/// The three source rows of Go's tests.
pub(crate) fn three_rows() -> Vec<String> {
    (1..=3)
        .map(|n| format!("This is Data{n} from Test"))
        .collect()
}

/// `ConnName1` of `test/load_conf/conn`, as an in-memory store.
pub(crate) fn conn_name1() -> Connector {
    Connector::memory_kv(
        ConnConfig::new("ConnName1")
            .addrs("0.0.0.0:9988,0.0.0.0:9999,0.0.0.0:9990")
            .key("redis-key")
            .param("args1", "value1")
            .param("args2", "value2"),
    )
}

/// Go's `StuScores` row; missing scores read as 0, as Go's JSON decoding leaves them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct StuScores {
    pub(crate) stu_id: i64,
    #[serde(default)]
    pub(crate) score_1: i32,
    #[serde(default)]
    pub(crate) score_2: i32,
    #[serde(default)]
    pub(crate) score_3: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StuAvgScore {
    pub(crate) stu_id: i64,
    pub(crate) avg_score: f64,
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
pub(crate) fn avg_stu_score(rows: Vec<StuScores>) -> Vec<StuAvgScore> {
    rows.into_iter()
        .map(|r| StuAvgScore {
            stu_id: r.stu_id,
            avg_score: f64::from(r.score_1 + r.score_2 + r.score_3) / 3.0,
        })
        .collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
pub(crate) fn print_stu_avg_score(ctx: &FlowCtx, rows: Vec<StuAvgScore>) {
    for row in rows {
        log(
            ctx,
            format!("stuid: [{}], avg score: [{}]", row.stu_id, row.avg_score),
        );
    }
}

flow!(pub(crate) StuAvg: avg_stu_score -> print_stu_avg_score);
