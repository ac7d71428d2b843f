use kisflow::prelude::*;

#[kis_function(mode = "Calculate", actions(abort, jumps))]
fn a(rows: Vec<u32>) -> Vec<u32> {
    rows
}

#[kis_function(mode = "Calculate", params(school = "TsingHua", school = "PKU", year = [2024]))]
fn b(rows: Vec<u32>) -> Vec<u32> {
    rows
}

#[kis_function(mode = "Save", conn = "")]
fn c(rows: Vec<u32>) {
    let _ = rows;
}

fn main() {}
