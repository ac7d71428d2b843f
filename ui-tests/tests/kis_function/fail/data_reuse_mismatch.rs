use kisflow::prelude::*;

// DataReuse hands the input on as the output, so the two row types must be the same.
#[kis_function(mode = "Verify", actions(data_reuse))]
fn check(rows: Vec<u32>) -> Vec<String> {
    rows.iter().map(u32::to_string).collect()
}

#[derive(Debug)]
struct Opaque(u32);

// ... and Clone, since the input is copied before the handler takes it.
#[kis_function(mode = "Verify", actions(data_reuse))]
fn check_opaque(rows: Vec<Opaque>) -> Vec<Opaque> {
    rows
}

fn main() {}
