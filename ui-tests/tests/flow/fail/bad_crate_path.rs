use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows
}

flow!(crate = "kisflow"; Quoted: double);
flow!(crate = ; Empty: double);
flow!(crate = kisflow NoSemicolon: double);
flow!(crate; NoPath: double);

fn main() {}
