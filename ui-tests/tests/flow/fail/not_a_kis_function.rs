use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

fn forgot_the_attribute(rows: Vec<i64>) -> Vec<i64> {
    rows
}

struct Score;

flow!(Forgetful: double -> forgot_the_attribute);
flow!(TypeInstead: double -> Score);
flow!(Typo: double -> dubble);

fn main() {}
