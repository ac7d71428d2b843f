use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows
}

flow!(NoColon double -> double);
flow!(Trailing: double ->);
flow!(Comma: double, double);

fn main() {}
