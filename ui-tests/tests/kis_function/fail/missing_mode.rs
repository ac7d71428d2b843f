use kisflow::prelude::*;

#[kis_function(name = "Double")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

#[kis_function]
fn triple(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 3).collect()
}

fn main() {}
