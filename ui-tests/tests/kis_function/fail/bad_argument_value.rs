use kisflow::prelude::*;

#[kis_function(mode = Calculate, name = "")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

fn main() {}
