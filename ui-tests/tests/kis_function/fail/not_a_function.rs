use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
struct Double;

fn main() {}
