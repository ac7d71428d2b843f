use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows
}

flow!(NoTrunk: [double, double]);
flow!(OneBranch: double -> [double]);
flow!(NoBranch: double -> []);
flow!(Nested: double -> [double -> [double, double], double]);
flow!(AfterBranches: double -> [double, double] -> double);
flow!(EmptyBranch: double -> [double, -> double]);

fn main() {}
