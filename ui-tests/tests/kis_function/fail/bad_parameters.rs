use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn no_rows() -> Vec<i64> {
    Vec::new()
}

#[kis_function(mode = "Calculate")]
fn only_ctx(_ctx: &FlowCtx) -> Vec<i64> {
    Vec::new()
}

#[kis_function(mode = "Calculate")]
fn slice_rows(rows: &[i64]) -> Vec<i64> {
    rows.to_vec()
}

#[kis_function(mode = "Calculate")]
fn ctx_by_mut(_ctx: &mut FlowCtx, rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate")]
fn rows_first(rows: Vec<i64>, _ctx: &FlowCtx) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate")]
fn too_many(_ctx: &FlowCtx, rows: Vec<i64>, _extra: u8) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate")]
fn generic<T: Send + 'static>(rows: Vec<T>) -> Vec<T> {
    rows
}

fn main() {}
