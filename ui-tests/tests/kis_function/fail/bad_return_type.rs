use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn count(rows: Vec<i64>) -> usize {
    rows.len()
}

#[kis_function(mode = "Calculate")]
fn maybe(rows: Vec<i64>) -> Option<Vec<i64>> {
    Some(rows)
}

fn main() {}
