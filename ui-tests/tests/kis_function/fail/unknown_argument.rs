use kisflow::prelude::*;

#[kis_function(mode = "Calculate", fname = "Double")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

fn main() {
    // The function still exists, so this line adds no error of its own.
    let _ = double(vec![1]);
}
