use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

flow!(Twice: double(factor = "2", factor = "3"));
flow!(List: double(list = [1, 2]));

fn main() {}
