use kisflow::prelude::*;

#[kis_function(mode = "Calculate", crate = "kisflow")]
fn quoted(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate", crate)]
fn missing(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Calculate", crate = 3)]
fn number(rows: Vec<i64>) -> Vec<i64> {
    rows
}

fn main() {
    // The functions still exist, so this line adds no error of its own.
    let _ = (quoted(vec![1]), missing(vec![1]), number(vec![1]));
}
