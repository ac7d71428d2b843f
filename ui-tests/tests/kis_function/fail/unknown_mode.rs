use kisflow::prelude::*;

#[kis_function(mode = "Calc")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

#[kis_function(mode = "calculate")]
fn triple(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 3).collect()
}

fn main() {}
