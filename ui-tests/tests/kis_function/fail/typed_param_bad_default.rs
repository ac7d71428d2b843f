use kisflow::prelude::*;

// A typed param's default must be a value of its type.
#[kis_function(mode = "Verify", params(max_qty: u32 = -1, big: u8 = 300, strict: bool = 1))]
fn limit(rows: Vec<u32>) -> Vec<u32> {
    rows
}

fn main() {}
