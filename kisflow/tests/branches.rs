//! Branching flows, `flow!(Name: a -> [b -> c, d])`: every branch gets the trunk's rows, in
//! declaration order; `Abort` ends one branch only; an error ends the run; metrics and the
//! registry see branch functions as any other.

use std::sync::Mutex;

use kisflow::prelude::*;
use kisflow::{Error, Metrics, NoRows};

/// What each sink of these tests received, by sink: tests run in parallel, so each flow has its
/// own sinks.
static SEEN: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());

fn seen_by(sink: &str) -> Vec<String> {
    let seen = SEEN.lock().unwrap();
    seen.iter()
        .filter(|(name, _)| *name == sink)
        .map(|(_, row)| row.clone())
        .collect()
}

fn record(sink: &'static str, rows: impl IntoIterator<Item = impl ToString>) {
    let mut seen = SEEN.lock().unwrap();
    seen.extend(rows.into_iter().map(|row| (sink, row.to_string())));
}

#[kis_function(mode = "Verify")]
fn positive(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().filter(|n| *n > 0).collect()
}

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

#[kis_function(mode = "Calculate")]
fn label(rows: Vec<i64>) -> Vec<String> {
    rows.into_iter().map(|n| format!("#{n}")).collect()
}

#[kis_function(mode = "Save")]
fn save_labels(rows: Vec<String>) {
    record("save_labels", rows);
}

flow!(Fan: positive -> [double, label -> save_labels]);

#[tokio::test]
async fn each_branch_gets_the_trunk_rows_and_run_collect_gives_the_first_branch() {
    let mut flow = Fan::new();
    flow.commit_batch([3, -1, 5]).unwrap();
    let doubled: Vec<i64> = flow.run_collect().await.unwrap();
    assert_eq!(doubled, [6, 10]);
    assert_eq!(seen_by("save_labels"), ["#3", "#5"]);
}

#[kis_function(mode = "Save")]
fn save_doubled(rows: Vec<i64>) {
    record("save_doubled", rows);
}

#[kis_function(mode = "Save")]
fn save_plain(rows: Vec<i64>) {
    record("save_plain", rows);
}

flow!(TwoSinks: positive -> [double -> save_doubled, save_plain]);

#[tokio::test]
async fn both_branches_end_in_their_own_sink() {
    let mut flow = TwoSinks::new();
    flow.commit_batch([1, 2]).unwrap();
    let out: Vec<NoRows> = flow.run_collect().await.unwrap();
    assert!(out.is_empty());
    assert_eq!(seen_by("save_doubled"), ["2", "4"]);
    assert_eq!(seen_by("save_plain"), ["1", "2"]);
}

#[kis_function(mode = "Verify")]
fn stop_small(ctx: &FlowCtx, rows: Vec<i64>) -> Vec<i64> {
    if rows.iter().any(|n| *n < 10) {
        ctx.abort();
    }
    rows
}

#[kis_function(mode = "Save")]
fn save_after_stop(rows: Vec<i64>) {
    record("save_after_stop", rows);
}

#[kis_function(mode = "Save")]
fn save_sibling(rows: Vec<i64>) {
    record("save_sibling", rows);
}

flow!(AbortOne: positive -> [stop_small -> save_after_stop, save_sibling]);

#[tokio::test]
async fn abort_in_a_branch_ends_that_branch_only() {
    let mut flow = AbortOne::new();
    flow.commit_batch([4, 20]).unwrap();
    flow.run().await.unwrap();
    assert!(seen_by("save_after_stop").is_empty());
    assert_eq!(seen_by("save_sibling"), ["4", "20"]);
}

#[kis_function(mode = "Save")]
fn save_never(rows: Vec<i64>) {
    record("save_never", rows);
}

flow!(AbortTrunk: stop_small -> [save_never, double]);

#[tokio::test]
async fn abort_in_the_trunk_runs_no_branch() {
    let mut flow = AbortTrunk::new();
    flow.commit(1).unwrap();
    let out: Vec<NoRows> = flow.run_collect().await.unwrap();
    assert!(out.is_empty());
    assert!(seen_by("save_never").is_empty());
}

#[kis_function(mode = "Calculate")]
fn refuse(rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
    Err(Error::msg(format!("refused {} rows", rows.len())))
}

#[kis_function(mode = "Save")]
fn save_after_error(rows: Vec<i64>) {
    record("save_after_error", rows);
}

#[kis_function(mode = "Save")]
fn save_before_error(rows: Vec<i64>) {
    record("save_before_error", rows);
}

flow!(Failing: positive -> [save_before_error, refuse, save_after_error]);

#[tokio::test]
async fn an_error_in_a_branch_fails_the_run_naming_its_function() {
    let mut flow = Failing::new();
    flow.commit(7).unwrap();
    let err = flow.run().await.unwrap_err();
    let Error::Handler { flow, function, .. } = &err else {
        panic!("expected a handler error, got {err}");
    };
    assert_eq!((flow.as_str(), function.as_str()), ("Failing", "refuse"));
    assert!(err.to_string().contains("refuse"), "{err}");
    // Branches run in declaration order: the one before ran, the one after did not.
    assert_eq!(seen_by("save_before_error"), ["7"]);
    assert!(seen_by("save_after_error").is_empty());
}

#[kis_function(mode = "Calculate", name = "MeteredLabel")]
fn metered_label(rows: Vec<i64>) -> Vec<String> {
    rows.into_iter().map(|n| n.to_string()).collect()
}

flow!(Metered: positive -> [double, metered_label]);

#[tokio::test]
async fn branch_functions_have_their_own_metrics() {
    let metrics = Metrics::new();
    let mut flow = Metered::new().with_metrics(&metrics);
    flow.commit_batch([1, 2, 3]).unwrap();
    flow.run().await.unwrap();
    let text = metrics.encode();
    let func = r#"{func_name="MeteredLabel",func_mode="Calculate"}"#;
    for (metric, value) in [("func_schedule_cnts_total", 1), ("func_rows_in_total", 3)] {
        let line = format!("{metric}{func} {value}");
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
}

#[kis_function(mode = "Calculate", actions(jump))]
fn jump_back(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
    ctx.jump_func("positive")?;
    Ok(rows)
}

flow!(JumpOut: positive -> [jump_back, double]);

#[tokio::test]
async fn a_jump_out_of_its_branch_is_an_error() {
    let mut flow = JumpOut::new();
    flow.commit(1).unwrap();
    let err = flow.run().await.unwrap_err();
    assert!(
        err.to_string().contains("in another branch of this flow"),
        "{err}"
    );
}

#[tokio::test]
async fn the_registry_runs_a_branching_flow_by_name() {
    let mut flow = kisflow::registry().unwrap().flow("Fan").unwrap();
    flow.commit_json("21").unwrap();
    let out = flow.run_json().await.unwrap();
    assert_eq!(out, [serde_json::json!(42)]);
}

#[test]
fn the_registry_outlines_a_branching_flow_as_flow_writes_it() {
    let registry = kisflow::registry().unwrap();
    let info = registry.flows().find(|f| f.name() == "Fan").unwrap();
    assert_eq!(info.branches(), [1, 2]);
    assert_eq!(info.outline(), "positive -> [double, label -> save_labels]");
}
